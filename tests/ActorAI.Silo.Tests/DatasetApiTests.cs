using System.Net;
using System.Text.Json;
using ActorAI.Data.Preparation;

namespace ActorAI.Silo.Tests;

/// <summary><c>GET /api/datasets[/{name}]</c> over a dataset pushed with the client.</summary>
[Collection(DevSiloCollection.Name)]
public sealed class DatasetApiTests(DevSiloFixture silo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task APushedDatasetIsListedAndShownWithItsVersions()
    {
        using HttpClient http = silo.KeyedClient();
        string name = $"api-{Guid.NewGuid():N}"[..16];
        _temp.Write("text/a.txt", string.Join('\n', Enumerable.Range(0, 40).Select(i => $"line {i}: datasets travel through the artifact store")));
        await new DataPreparer().RunAsync(new DataPreparationOptions
        {
            InputPaths = [_temp.Combine("text")], OutputDirectory = _temp.Combine("prepared"), DocumentMode = TextDocumentMode.Lines,
            BlockSize = 16, DegreeOfParallelism = 1,
        }, null, CancellationToken.None);
        await silo.Actor.PushDatasetAsync(_temp.Combine("prepared"), name);

        using HttpResponseMessage listed = await http.GetAsync("/api/datasets");
        using HttpResponseMessage got = await http.GetAsync($"/api/datasets/{name}");
        using HttpResponseMessage unknown = await http.GetAsync($"/api/datasets/nope-{Guid.NewGuid():N}"[..30]);
        using HttpResponseMessage badName = await http.GetAsync("/api/datasets/bad%20name");

        JsonElement list = await AdminApiTests.JsonAsync(listed, HttpStatusCode.OK);
        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("name").GetString() == name);
        JsonElement dataset = await AdminApiTests.JsonAsync(got, HttpStatusCode.OK);
        JsonElement version = Assert.Single(dataset.GetProperty("versions").EnumerateArray());
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal("byte", version.GetProperty("tokenizer").GetString());
        Assert.Equal(64, version.GetProperty("manifest_sha256").GetString()!.Length);
        await AdminApiTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.True((await AdminApiTests.AssertProblemAsync(badName, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("name", out _));
    }
}
