namespace ActorAI.Data;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its handler on the reporting thread, in order (unlike
/// <see cref="Progress{T}"/>, which posts to the thread pool): for collecting figures from loops and benchmarks.
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => handler(value);
}
