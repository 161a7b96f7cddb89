using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ActorAI.Client;

/// <summary>
/// The form of a training job id: 1 to <see cref="MaxLength"/> characters of ASCII letters, digits, <c>.</c>, <c>_</c>
/// and <c>-</c>, so an id is safe in grain keys, file names, URLs and shell commands.
/// </summary>
public static class TrainingJobIds
{
    /// <summary>The longest job id.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule, for messages.</summary>
    public const string Rule = "1 to 64 characters of ASCII letters, digits, '.', '_' and '-'";

    /// <summary>Whether <paramref name="jobId"/> is a well-formed job id.</summary>
    public static bool IsValid([NotNullWhen(true)] string? jobId) =>
        jobId is { Length: >= 1 and <= MaxLength } && jobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>What is wrong with <paramref name="jobId"/>, or <see langword="null"/> when it is well formed.</summary>
    public static string? Problem(string? jobId) => IsValid(jobId)
        ? null
        : jobId is null ? $"a job id is required ({Rule})." : $"a job id is {Rule} (was '{jobId}').";

    /// <summary>Throws when <paramref name="jobId"/> is not a well-formed job id.</summary>
    /// <exception cref="ArgumentException">The id is malformed; the exception names the parameter.</exception>
    public static void ThrowIfInvalid([NotNull] string? jobId, [CallerArgumentExpression(nameof(jobId))] string? paramName = null)
    {
        if (!IsValid(jobId))
        {
            string problem = Problem(jobId)!;
            throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..], paramName);
        }
    }
}
