using System.CommandLine;
using ActorAI.Abstractions.Registry;
using ActorAI.Cli.Rendering;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai models list|show|register|alias</c>: the model registry.</summary>
internal static class ModelsCommands
{
    public static Command Create(ConnectionSettings connection)
    {
        var models = new Command("models",
            "List, inspect and register models, and move their aliases.\n"
            + "  actorai models list                                        every model: versions, latest, aliases\n"
            + "  actorai models show NAME                                   versions with lineage, aliases and alias history\n"
            + "  actorai models register NAME (--job JOB | --checkpoint PATH) [--tag T]...\n"
            + "  actorai models alias NAME ALIAS VERSION                    point ALIAS at VERSION (deployments following it roll over)\n"
            + "  actorai models alias NAME ALIAS --remove");
        models.Add(CreateList(connection));
        models.Add(CreateShow(connection));
        models.Add(CreateRegister(connection));
        models.Add(CreateAlias(connection));
        return models;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "Model name." };

    private static Command CreateList(ConnectionSettings connection)
    {
        var list = new Command("list", "List every registered model: number of versions, latest version, aliases.");
        list.SetAction(async (parse, ct) =>
        {
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            ModelRendering.WriteTable(await client.ListModelsAsync(ct), parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return list;
    }

    private static Command CreateShow(ConnectionSettings connection)
    {
        Argument<string> name = NameArgument();
        var show = new Command("show", "Show a model: its versions (created, artifact, tags, job, tokenizer, loss), aliases and alias history.") { name };
        show.SetAction(async (parse, ct) =>
        {
            string model = parse.GetValue(name)!;
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            ModelInfo info = await client.GetModelAsync(model).WaitAsync(ct)
                ?? throw new ModelRegistryException($"model '{model}' is not registered (`actorai models list` shows them all)");
            ModelRendering.WriteDetails(info, parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command CreateRegister(ConnectionSettings connection)
    {
        Argument<string> name = NameArgument();
        var job = new Option<string?>("--job") { Description = "Register the final weights of this succeeded training job.", HelpName = "JOB_ID" };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Import this safetensors checkpoint; the path must be readable by the silo (made absolute here).",
            HelpName = "PATH",
        };
        var tags = new Option<string[]>("--tag") { Description = "Tag the new version (repeatable).", AllowMultipleArgumentsPerToken = false };
        var register = new Command("register", "Register a new version of a model from a training job or a checkpoint; prints the version.")
        {
            name, job, checkpoint, tags,
        };
        register.SetAction(async (parse, ct) =>
        {
            string model = parse.GetValue(name)!;
            string? jobId = parse.GetValue(job);
            string? path = parse.GetValue(checkpoint);
            string[] tagList = parse.GetValue(tags) ?? [];
            if (!await CheckAsync(parse, ModelNames.IsValid(model), $"NAME: {ModelNames.Problem(model)?["name: ".Length..]}.")
                || !await CheckAsync(parse, (jobId is null) != (path is null), $"give exactly one of {job.Name} JOB_ID or {checkpoint.Name} PATH.")
                || !await CheckAsync(parse, jobId is null || TrainingJobIds.IsValid(jobId), $"{job.Name}: {(jobId is null ? "" : TrainingJobIds.Problem(jobId))}")
                || !await CheckAsync(parse, tagList.All(t => !string.IsNullOrWhiteSpace(t)), $"{tags.Name}: a tag must not be empty."))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            ModelVersion version = jobId is not null
                ? await client.RegisterModelFromJobAsync(model, jobId, tagList).WaitAsync(ct)
                : await client.ImportModelAsync(model, Path.GetFullPath(path!), tags: tagList).WaitAsync(ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync(ModelRendering.Registered(model, version));
            return ExitCodes.Ok;
        });
        return register;
    }

    private static Command CreateAlias(ConnectionSettings connection)
    {
        Argument<string> name = NameArgument();
        var alias = new Argument<string>("alias") { Description = $"Alias, such as production ({ModelNames.Rule}; not all digits, not '{ModelNames.Latest}')." };
        var version = new Argument<int?>("version") { Description = "Version number the alias points at.", Arity = ArgumentArity.ZeroOrOne };
        var remove = new Option<bool>("--remove") { Description = "Remove the alias instead." };
        var command = new Command("alias", "Point an alias at a version (deployments that follow it roll over), or remove it with --remove.")
        {
            name, alias, version, remove,
        };
        command.SetAction(async (parse, ct) =>
        {
            string model = parse.GetValue(name)!;
            string aliasName = parse.GetValue(alias)!;
            int? target = parse.GetValue(version);
            bool removing = parse.GetValue(remove);
            // Removing checks only that the alias exists (an alias set before the rule existed can still go).
            if (!await CheckAsync(parse, removing || ModelNames.IsValidAlias(aliasName), $"ALIAS: {ModelNames.AliasProblem(aliasName)?["alias: ".Length..]}.")
                || !await CheckAsync(parse, removing != target.HasValue, removing ? $"{remove.Name} takes no VERSION." : $"give a VERSION or {remove.Name}.")
                || !await CheckAsync(parse, target is null or >= 1, $"VERSION must be at least 1 (was {target})."))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (target is { } v)
            {
                ModelInfo info = await client.SetModelAliasAsync(model, aliasName, v).WaitAsync(ct);
                await stdout.WriteLineAsync($"{model}@{aliasName} → v{v} (aliases: {ModelRendering.Aliases(info.Aliases)}).");
            }
            else
            {
                ModelInfo info = await client.RemoveModelAliasAsync(model, aliasName).WaitAsync(ct);
                await stdout.WriteLineAsync($"{model}: removed alias {aliasName} (aliases: {ModelRendering.Aliases(info.Aliases)}).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    // One line naming the command and the problem, before anything connects.
    private static async Task<bool> CheckAsync(ParseResult parse, bool ok, string problem)
    {
        if (!ok)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai models {parse.CommandResult.Command.Name}: {problem}");
        }
        return ok;
    }
}
