using System.Globalization;
using System.Text.Json;
using ActorAI.Abstractions.Security;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Renders API keys: the one-time display of a new key, the table and JSON.</summary>
internal static class ApiKeyRendering
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string ToJson(IReadOnlyList<ApiKeyInfo> keys) => JsonSerializer.Serialize(keys, Json);

    public static string ToJson(ApiKeyCreated created) => JsonSerializer.Serialize(created, Json);

    /// <summary>The key alone on stdout (so it can be captured), the record and the warning on stderr.</summary>
    public static async Task WriteCreatedAsync(ApiKeyCreated created, TextWriter stdout, TextWriter stderr)
    {
        ApiKeyInfo info = created.Info;
        await stderr.WriteLineAsync(
            $"Created API key {info.Id} ({info.Name}): roles {string.Join(",", info.Roles)}; models {Models(info)}.");
        await stderr.WriteLineAsync("This is the only time the key is shown; store it now (it is kept only as a hash):");
        await stdout.WriteLineAsync(created.Key);
    }

    public static void WriteTable(IReadOnlyList<ApiKeyInfo> keys, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Id", "Name", "Roles", "Models", "Created (UTC)", "Revoked (UTC)");
        foreach (ApiKeyInfo key in keys)
        {
            table.AddRow(
                Markup.Escape(key.Id),
                Markup.Escape(key.Name),
                Markup.Escape(string.Join(",", key.Roles)),
                Markup.Escape(Models(key)),
                Time(key.CreatedAt),
                key.RevokedAt is null ? "-" : $"[red]{Time(key.RevokedAt)}[/]");
        }
        console.Write(table);
        int revoked = keys.Count(k => k.RevokedAt is not null);
        console.WriteLine($"{keys.Count} keys: {keys.Count - revoked} active, {revoked} revoked");
    }

    public static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-";

    private static string Models(ApiKeyInfo key) => key.Models is null ? "all" : string.Join(",", key.Models);
}
