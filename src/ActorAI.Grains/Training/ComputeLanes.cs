using TorchSharp;

namespace ActorAI.Grains.Training;

/// <summary>
/// Heavy compute on this silo goes through a fixed number of lanes (cores ÷ LibTorch intra-op threads), on the thread
/// pool, off the grain scheduler. Two trainers on one silo then take turns at full speed — one computes while the
/// other pulls or pushes — instead of oversubscribing the cores with competing OpenMP threads.
/// </summary>
internal sealed class ComputeLanes
{
    private readonly SemaphoreSlim _lanes = new(Lanes(), Lanes());

    public async Task<T> RunAsync<T>(Func<T> work)
    {
        await _lanes.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _lanes.Release();
        }
    }

    private static int Lanes() => Math.Max(1, Environment.ProcessorCount / Math.Max(1, torch.get_num_threads()));
}
