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
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = output == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.Detect,
        });
        if (output != Console.Out || Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }
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
                r is null ? "-" : FormatBytes(r.MemoryBytes),
                r is null ? "-" : r.GpuCount.ToString(CultureInfo.InvariantCulture),
                r is null ? "-" : r.GpuCount == 0 ? "-" : FormatBytes(r.GpuMemoryBytes),
                r is null ? "-" : Markup.Escape(string.Join(",", r.Roles)));
        }
        console.Write(table);
        int active = silos.Count(s => s.Status == SiloState.Active);
        console.WriteLine($"{active} active, {silos.Count(s => s.Status == SiloState.Dead)} dead, {silos.Count} total");
    }

    public static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    private static string StatusMarkup(SiloState status) => status switch
    {
        SiloState.Active => "[green]active[/]",
        SiloState.Dead => "[red]dead[/]",
        _ => $"[yellow]{status.ToString().ToLowerInvariant()}[/]",
    };
}
