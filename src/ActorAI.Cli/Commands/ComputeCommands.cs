using System.CommandLine;
using System.ComponentModel;
using ActorAI.Cli.Compute;

namespace ActorAI.Cli.Commands;

/// <summary>
/// <c>actorai generate</c> and, through <see cref="RunAsync"/>, <c>actorai train --local</c>: run <c>actorai-compute</c>
/// (the process that loads LibTorch; this one never does) with the same arguments. Only <c>--checkpoint</c> is parsed
/// here; every other token goes to actorai-compute untouched, which parses and checks it.
/// </summary>
internal static class ComputeCommands
{
    public static Command CreateGenerate(ComputeHostLocator locator)
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "Model checkpoint (safetensors) written by `actorai train --local`.",
            Required = true,
        };
        var generate = new Command("generate",
            "Continue a prompt with a checkpoint on this machine, streaming the text: actorai generate --checkpoint PATH \"prompt\" "
            + "[--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop TEXT] ... (actorai-compute generate's options).")
        {
            checkpoint,
        };
        generate.TreatUnmatchedTokensAsErrors = false;
        generate.SetAction(async (parse, ct) =>
        {
            string path = parse.GetValue(checkpoint)!;
            if (!File.Exists(path))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai generate: {checkpoint.Name}: '{path}' does not exist.");
                return ExitCodes.InvalidArguments;
            }
            return await RunAsync(locator, parse, ["generate", checkpoint.Name, path, .. parse.UnmatchedTokens], ct);
        });
        return generate;
    }

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
