using System.CommandLine;
using ActorAI.Abstractions.Security;
using ActorAI.Cli.Rendering;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai keys create|list|revoke</c>: API keys for the HTTP front.</summary>
internal static class KeysCommands
{
    public static Command Create(ConnectionSettings connection)
    {
        var keys = new Command("keys",
            "Create, list and revoke API keys for the silos' HTTP API.\n"
            + "  actorai keys create NAME --role ROLE [--role ROLE] [--model DEPLOYMENT]...   prints the key once\n"
            + "  actorai keys list [--json]                                                 id, name, roles, models, created, revoked\n"
            + "  actorai keys revoke ID                                                     the silos refuse it within seconds");
        keys.Add(CreateCreate(connection));
        keys.Add(CreateList(connection));
        keys.Add(CreateRevoke(connection));
        return keys;
    }

    private static Command CreateCreate(ConnectionSettings connection)
    {
        var name = new Argument<string>("name") { Description = $"A label for the key (1 to {ApiKeyFormat.MaxNameLength} characters)." };
        var roles = new Option<string[]>("--role")
        {
            Description = $"A role the key carries (repeatable; required): {string.Join(", ", ApiKeyRoles.All)}.",
            AllowMultipleArgumentsPerToken = false,
        };
        var models = new Option<string[]>("--model")
        {
            Description = "A deployment the key may use (repeatable). Default: every deployment.",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON: the record and the key." };
        var create = new Command("create", "Create an API key. The key is printed once and cannot be shown again.") { name, roles, models, json };
        create.SetAction(async (parse, ct) =>
        {
            string label = parse.GetValue(name) ?? "";
            string[] roleList = parse.GetValue(roles) ?? [];
            string[] modelList = parse.GetValue(models) ?? [];
            IReadOnlyList<string>? allowed = modelList.Length == 0 ? null : modelList;
            if (ApiKeyFormat.Problem(label, roleList, allowed) is { } problem)
            {
                await Problem(parse, OptionNames(problem));
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            ApiKeyCreated created = await client.CreateApiKeyAsync(label, roleList, allowed, ct);
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(ApiKeyRendering.ToJson(created));
            }
            else
            {
                await ApiKeyRendering.WriteCreatedAsync(created, stdout, parse.InvocationConfiguration.Error);
            }
            return ExitCodes.Ok;
        });
        return create;
    }

    private static Command CreateList(ConnectionSettings connection) =>
        ListCommand.Create(connection, "List every API key (never the secrets): id, name, roles, models, created, revoked.",
            (client, ct) => client.ListApiKeysAsync(ct), ApiKeyRendering.ToJson, ApiKeyRendering.WriteTable);

    private static Command CreateRevoke(ConnectionSettings connection)
    {
        var id = new Argument<string>("id") { Description = $"Key id ({ApiKeyFormat.IdLength} lowercase hex characters, as `actorai keys list` shows)." };
        var revoke = new Command("revoke", "Revoke an API key; the silos refuse it within their key cache time (Auth:KeyCacheSeconds).") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            string keyId = parse.GetValue(id) ?? "";
            if (!ApiKeyFormat.IsValidId(keyId))
            {
                await Problem(parse, $"ID must be {ApiKeyFormat.IdLength} lowercase hex characters (was '{keyId}').");
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            if (await client.RevokeApiKeyAsync(keyId) is not { } info)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai: no API key '{keyId}' (`actorai keys list` shows them all).");
                return ExitCodes.InvalidArguments;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{info.Id} ({info.Name}): revoked at {ApiKeyRendering.Time(info.RevokedAt)}.");
            return ExitCodes.Ok;
        });
        return revoke;
    }

    // The rules name the fields of the API (name, roles, models); on the command line they are NAME, --role and --model.
    private static string OptionNames(string problem) =>
        problem.StartsWith("name ", StringComparison.Ordinal) ? "NAME" + problem[4..]
        : problem.StartsWith("roles ", StringComparison.Ordinal) ? "--role" + problem[5..]
        : problem.StartsWith("models ", StringComparison.Ordinal) ? "--model" + problem[6..]
        : problem;

    private static Task Problem(ParseResult parse, string problem) =>
        parse.InvocationConfiguration.Error.WriteLineAsync($"actorai keys {parse.CommandResult.Command.Name}: {problem}");
}
