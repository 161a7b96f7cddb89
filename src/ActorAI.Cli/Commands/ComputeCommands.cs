using System.CommandLine;
using System.ComponentModel;
using ActorAI.Cli.Compute;

namespace ActorAI.Cli.Commands;

/// <summary>
/// Runs <c>actorai-compute</c> (the process that loads LibTorch; this one never does) for <c>actorai train --local</c>
/// and <c>actorai generate --checkpoint</c>, which pass their tokens through untouched for it to parse and check.
/// </summary>
internal static class ComputeCommands
{
    /// <summary>Runs actorai-compute with <paramref name="arguments"/> (the first names its command) and returns its exit code.</summary>
    public static async Task<int> RunAsync(ComputeHostLocator locator, ParseResult parse, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        TextWriter stderr = parse.InvocationConfiguration.Error;
        if (!locator.TryLocate(out ComputeHost? host, out string problem))
        {
            await stderr.WriteLineAsync($"actorai {arguments[0]}: {problem}");
            return ExitCodes.InvalidArguments;
        }
        // What this process wrote so far must come before the child's output.
        await parse.InvocationConfiguration.Output.FlushAsync(cancellationToken);
        await stderr.FlushAsync(cancellationToken);
        try
        {
            return await ChildProcess.RunAsync(host.FileName, [.. host.LeadingArguments, .. arguments], ChildProcess.DefaultGracePeriod, cancellationToken);
        }
        catch (Win32Exception ex)
        {
            await stderr.WriteLineAsync($"actorai {arguments[0]}: cannot start {host.FileName} for {host.Path}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
