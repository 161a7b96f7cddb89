using System.Collections.Immutable;
using System.Text.Json;
using ActorAI.Abstractions.Cluster;
using ActorAI.Cli.Rendering;

namespace ActorAI.Cli.Tests;

public sealed class ClusterStatusRenderingTests
{
    private static readonly DateTimeOffset Started = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static readonly SiloInfo[] Silos =
    [
        new("10.0.0.1:11111@1", "gpu-1", "node-a", SiloState.Active, Started, Started, 30000,
            new SiloResources(32, 256L << 30, 4, 320L << 30, ImmutableArray.Create("gpu", "train"))),
        new("10.0.0.2:11111@2", "cpu-1", "node-b", SiloState.Dead, Started, Started, 30000, null),
    ];

    [Fact]
    public void TableShowsStatusAndResources()
    {
        var output = new StringWriter();

        SiloRendering.WriteTable(Silos, output);

        string[] lines = output.ToString().Split('\n');
        string gpuRow = Assert.Single(lines, l => l.Contains("gpu-1", StringComparison.Ordinal));
        string deadRow = Assert.Single(lines, l => l.Contains("cpu-1", StringComparison.Ordinal));
        Assert.Contains("active", gpuRow, StringComparison.Ordinal);
        Assert.Contains("256 GiB", gpuRow, StringComparison.Ordinal);
        Assert.Contains("320 GiB", gpuRow, StringComparison.Ordinal);
        Assert.Contains("gpu,train", gpuRow, StringComparison.Ordinal);
        Assert.Contains("dead", deadRow, StringComparison.Ordinal);
        Assert.Contains("1 active, 1 dead, 2 total", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonUsesStatusNamesAndNullForUnknownResources()
    {
        using JsonDocument json = JsonDocument.Parse(SiloRendering.ToJson(Silos));

        JsonElement[] silos = [.. json.RootElement.EnumerateArray()];
        Assert.Equal("active", silos[0].GetProperty("status").GetString());
        Assert.Equal(4, silos[0].GetProperty("resources").GetProperty("gpuCount").GetInt32());
        Assert.Equal("dead", silos[1].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, silos[1].GetProperty("resources").ValueKind);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(25_276_026_880, "23.5 GiB")]
    public void BytesAreHumanReadable(long bytes, string expected) => Assert.Equal(expected, Units.FormatBytes(bytes));
}
