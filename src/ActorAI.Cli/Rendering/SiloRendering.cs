using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorAI.Abstractions.Cluster;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Renders the silo list as a table or as JSON.</summary>
internal static class SiloRendering
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string ToJson(IReadOnlyList<SiloInfo> silos) => JsonSerializer.Serialize(silos, Json);

    public static void WriteTable(IReadOnlyList<SiloInfo> silos, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Silo", "Name", "Host", "Status", "Started (UTC)", "CPU", "Memory", "GPU", "GPU memory", "Roles");
        foreach (SiloInfo silo in silos)
        {
            SiloResources? r = silo.Resources;
            table.AddRow(
                Markup.Escape(silo.Address),
                Markup.Escape(silo.Name),
                Markup.Escape(silo.HostName),
                StatusMarkup(silo.Status),
                silo.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                r is null ? "-" : r.CpuCores.ToString(CultureInfo.InvariantCulture),
                r is null ? "-" : Units.FormatBytes(r.MemoryBytes),
                r is null ? "-" : r.GpuCount.ToString(CultureInfo.InvariantCulture),
                r is null ? "-" : r.GpuCount == 0 ? "-" : Units.FormatBytes(r.GpuMemoryBytes),
                r is null ? "-" : Markup.Escape(string.Join(",", r.Roles)));
        }
        console.Write(table);
        int active = silos.Count(s => s.Status == SiloState.Active);
        console.WriteLine($"{active} active, {silos.Count(s => s.Status == SiloState.Dead)} dead, {silos.Count} total");
    }

    private static string StatusMarkup(SiloState status) => status switch
    {
        SiloState.Active => "[green]active[/]",
        SiloState.Dead => "[red]dead[/]",
        _ => $"[yellow]{status.ToString().ToLowerInvariant()}[/]",
    };
}
