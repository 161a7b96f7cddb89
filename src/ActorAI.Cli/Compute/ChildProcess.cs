using System.ComponentModel;
using System.Diagnostics;

namespace ActorAI.Cli.Compute;

/// <summary>Runs a program with this process's stdin, stdout and stderr, so its live output goes straight to the terminal.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// How long a cancelled child may take to exit by itself before it is killed. On a terminal, Ctrl+C reaches the
    /// child too (same process group), and actorai-compute then stops at its next step and says so.
    /// </summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="fileName"/> and returns its exit code.</summary>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled; the child (and anything it started) has exited or been killed.
    /// </exception>
    /// <exception cref="Win32Exception">The program could not be started.</exception>
    public static async Task<int> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        cancellationToken.ThrowIfCancellationRequested();
        using Process process = Process.Start(start) ?? throw new Win32Exception($"{fileName} did not start");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            using var grace = new CancellationTokenSource(gracePeriod);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
            throw;
        }
    }
}
