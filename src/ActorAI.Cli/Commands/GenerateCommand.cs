using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ActorAI.Abstractions.Serving;
using ActorAI.Cli.Rendering;
using ActorAI.Client;
using Spectre.Console;

namespace ActorAI.Cli.Commands;

/// <summary>
/// <c>actorai generate DEPLOYMENT "prompt"</c> streams from a deployment on the cluster; with <c>--checkpoint PATH</c> it
/// runs the checkpoint on this machine through actorai-compute instead, passing every other token through untouched.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(ConnectionSettings connection, CliEnvironment environment)
    {
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Run this checkpoint (safetensors, from `actorai train --local`) on this machine instead; the arguments are then just \"prompt\", "
                + "and every option goes to actorai-compute generate (which also knows --top-k).",
            HelpName = "PATH",
        };
        var words = new Argument<string[]>("arguments")
        {
            Description = "DEPLOYMENT \"prompt\" (with --checkpoint: \"prompt\").",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "DEPLOYMENT PROMPT",
        };
        var maxTokens = new Option<int?>("--max-tokens") { Description = $"Most tokens to generate. Default: what the context leaves, at most {GenerationParameters.DefaultMaxTokens}.", HelpName = "N" };
        var temperature = new Option<double?>("--temperature") { Description = "0 for greedy, up to 2. Default 1.", HelpName = "T" };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling mass, greater than 0 and at most 1. Default 1.", HelpName = "P" };
        var seed = new Option<long?>("--seed") { Description = "Seed for reproducible sampling.", HelpName = "S" };
        var stop = new Option<string[]>("--stop")
        {
            Description = $"Text that ends generation, not included (repeatable, at most {GenerationParameters.MaxStopSequences}).",
            HelpName = "TEXT",
            AllowMultipleArgumentsPerToken = false,
        };
        var chat = new Option<bool>("--chat") { Description = "Send the prompt as one user message of ActorAI's chat template and stop at the next turn." };
        var generate = new Command("generate",
            "Stream a completion to stdout, then a summary line (finish reason, token counts, model version) to stderr:\n"
            + "  actorai generate DEPLOYMENT \"prompt\" [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--stop TEXT]... [--chat]\n"
            + "  actorai generate --checkpoint PATH \"prompt\" [...]   a local checkpoint through actorai-compute (also --top-k K)")
        {
            checkpoint, words, maxTokens, temperature, topP, seed, stop, chat,
        };
        // Options only actorai-compute knows (--top-k, --threads) are let through for --checkpoint and refused otherwise.
        generate.TreatUnmatchedTokensAsErrors = false;
        generate.SetAction(async (parse, ct) =>
        {
            TextWriter stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(checkpoint) is { } path)
            {
                if (!File.Exists(path))
                {
                    await stderr.WriteLineAsync($"actorai generate: {checkpoint.Name}: '{path}' does not exist.");
                    return ExitCodes.InvalidArguments;
                }
                return await ComputeCommands.RunAsync(
                    environment.ComputeHost, parse, ["generate", checkpoint.Name, path, .. LocalArguments(parse, [checkpoint, .. connection.All])], ct);
            }

            string[] given = parse.GetValue(words) ?? [];
            var problems = new List<string>();
            if (parse.UnmatchedTokens.Count > 0)
            {
                problems.Add($"unknown option or extra argument {string.Join(" ", parse.UnmatchedTokens.Select(t => $"'{t}'"))} (options such as --top-k need --checkpoint)");
            }
            if (given.Length != 2)
            {
                problems.Add($"give DEPLOYMENT and \"prompt\" (got {given.Length} {(given.Length == 1 ? "argument" : "arguments")}; quote the prompt)");
            }
            else if (!DeploymentNames.IsValid(given[0]))
            {
                problems.Add($"DEPLOYMENT: '{given[0]}' is not a valid deployment name (`actorai deployments list` shows them all)");
            }
            GenerationRequest? request = null;
            if (problems.Count == 0)
            {
                var parameters = new GenerationParameters(
                    parse.GetValue(maxTokens), parse.GetValue(temperature) ?? 1.0, parse.GetValue(topP) ?? 1.0, parse.GetValue(seed),
                    parse.GetValue(stop) is { Length: > 0 } stops ? stops : null);
                try
                {
                    parameters.Validate();
                    // A chat is one user turn, templated by the replica with role tokens; it stops when the model starts another turn.
                    request = parse.GetValue(chat)
                        ? new GenerationRequest("", parameters, [new ChatTurn("user", given[1])])
                        : new GenerationRequest(given[1], parameters);
                }
                catch (GenerationRequestException ex)
                {
                    problems.Add(OptionProblem(ex));
                }
            }
            if (request is null)
            {
                foreach (string problem in problems)
                {
                    await stderr.WriteLineAsync($"actorai generate: {problem}");
                }
                return ExitCodes.InvalidArguments;
            }

            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            return await StreamAsync(client, given[0], request, parse.InvocationConfiguration.Output, stderr, ct);
        });
        return generate;
    }

    /// <summary>Writes each chunk's text as it arrives, then a newline, then the summary line on <paramref name="stderr"/>.</summary>
    public static async Task<int> StreamAsync(
        ActorAIClient client, string deployment, GenerationRequest request, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        GenerationChunk? last = null;
        await foreach (GenerationChunk chunk in client.GenerateStreamingAsync(deployment, request, ct))
        {
            if (chunk.Text.Length > 0)
            {
                await stdout.WriteAsync(chunk.Text);
                await stdout.FlushAsync(ct);
            }
            last = chunk;
        }
        await stdout.WriteLineAsync();
        await stdout.FlushAsync(ct);
        if (last?.FinishReason is null)
        {
            await stderr.WriteLineAsync($"actorai generate: deployment {deployment} ended the stream without a finish reason.");
            return ExitCodes.Failure;
        }
        CliConsole.Create(stderr).MarkupLine($"[dim]{Markup.Escape(Summary(last))}[/]");
        return ExitCodes.Ok;
    }

    /// <summary><c>finish=stop prompt_tokens=5 completion_tokens=12 model=fortune v3</c>.</summary>
    public static string Summary(GenerationChunk last) => string.Create(CultureInfo.InvariantCulture,
        $"finish={last.FinishReason} prompt_tokens={last.PromptTokens} completion_tokens={last.CompletionTokens} model={last.Model} v{last.Version}");

    // The tokens after `generate` in the order given, without those of `excluded` options (--checkpoint, the connection).
    private static IEnumerable<string> LocalArguments(ParseResult parse, IReadOnlyList<Option> excluded)
    {
        var skip = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Option option in excluded)
        {
            names.Add(option.Name);
            names.UnionWith(option.Aliases);
            if (parse.GetResult(option) is { Implicit: false } result)
            {
                skip.UnionWith(result.Tokens);
            }
        }
        return parse.Tokens
            .SkipWhile(t => t.Type != TokenType.Command || t.Value != "generate")
            .Skip(1)
            .Where(t => t.Type is TokenType.Argument or TokenType.Option && !skip.Contains(t) && !(t.Type == TokenType.Option && names.Contains(t.Value)))
            .Select(t => t.Value);
    }

    // GenerationParameters names OpenAI's parameters; on the command line they are options.
    private static string OptionProblem(GenerationRequestException ex)
    {
        string? option = ex.Param switch
        {
            "max_tokens" => "--max-tokens",
            "temperature" => "--temperature",
            "top_p" => "--top-p",
            "stop" => "--stop",
            _ => null,
        };
        return option is null ? ex.Message : $"{option}: {ex.Message}";
    }
}
