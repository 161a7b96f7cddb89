using System.Net;
using System.Text;
using System.Text.Json;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Testing;

namespace ActorAI.Silo.Tests;

/// <summary>The admin REST API under <c>/api</c>: registry, deployments and jobs, with ProblemDetails errors.</summary>
[Collection(DevSiloCollection.Name)]
public sealed class AdminApiTests(DevSiloFixture silo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("/api/models")]
    [InlineData("/api/deployments")]
    [InlineData("/api/jobs")]
    [InlineData("/api/datasets")]
    public async Task WithoutAKeyTheAdminApiIsUnauthorized(string path)
    {
        using HttpClient http = silo.Client();

        using HttpResponseMessage response = await http.GetAsync(path);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Missing API key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT", "/api/deployments/DNAME", """{"model":"m","replicas":-1}""", "replicas", "the request body")]
    [InlineData("PUT", "/api/deployments/DNAME", """{"model":"m","canary":{"version":2,"percentage":10}}""", "canary.percentage", "'canary'")]
    [InlineData("POST", "/api/models/MNAME/versions", """{"checkpoint":"/tmp/x.safetensors"}""", "checkpoint", "the request body")]
    [InlineData("POST", "/api/models/MNAME/versions/1/tags", """{"tag":"a","tags":["b"]}""", "tags", "the request body")]
    [InlineData("PUT", "/api/models/MNAME/aliases/prod", """{"version":1,"force":true}""", "force", "the request body")]
    public async Task AnUnknownFieldIsRefusedNamingItAndWhereItIs(string method, string path, string json, string field, string where)
    {
        using HttpClient http = silo.KeyedClient();
        string deployment = $"d-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(new HttpMethod(method),
            path.Replace("DNAME", deployment, StringComparison.Ordinal).Replace("MNAME", $"m-{Guid.NewGuid():N}", StringComparison.Ordinal))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };

        using HttpResponseMessage response = await http.SendAsync(request);
        using HttpResponseMessage notCreated = await http.GetAsync($"/api/deployments/{deployment}");

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        string detail = problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.StartsWith($"{field}: unknown field '{field.Split('.')[^1]}' in {where}", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ActorAI.", detail, StringComparison.Ordinal); // no .NET type names
        await AssertProblemAsync(notCreated, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUnknownFieldsMessageListsTheKnownOnes()
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PutAsync(http, $"/api/deployments/d-{Guid.NewGuid():N}", """{"model":"m","replicas":2}""");

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("min_replicas", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT", "/api/deployments/d-415", "text/plain")]
    [InlineData("POST", "/api/keys", "text/plain")]
    [InlineData("POST", "/api/models/m-415/versions", "application/x-www-form-urlencoded")]
    [InlineData("PUT", "/api/models/m-415/aliases/prod", null)]
    public async Task ABodyNotSentAsJsonIsRefusedWith415(string method, string path, string? contentType)
    {
        using HttpClient http = silo.KeyedClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"model":"m","version":1}"""));
        if (contentType is not null)
        {
            content.Headers.ContentType = new(contentType);
        }
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };

        using HttpResponseMessage response = await http.SendAsync(request);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains(contentType ?? "none", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a%20b")]
    [InlineData("latest")]
    [InlineData("42")]
    [InlineData("-lead")]
    public async Task AnAliasBreakingTheNameRuleIsRefusedNamingTheField(string alias)
    {
        using HttpClient http = silo.KeyedClient();
        string name = $"admin-{Guid.NewGuid():N}";
        await silo.Actor.ImportModelAsync(name, TinyGpt.Write(_temp.Combine("m.safetensors")));

        using HttpResponseMessage response = await PutAsync(http, $"/api/models/{name}/aliases/{alias}", """{"version":1}""");
        ModelInfoProbe model = await ModelAsync(http, name);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("alias: an alias is 1-64 ASCII letters", problem.GetProperty("errors").GetProperty("alias")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, model.Aliases);
    }

    [Fact]
    public async Task AModelNameBreakingTheNameRuleIsRefusedNamingTheField()
    {
        using HttpClient http = silo.KeyedClient();
        string checkpoint = TinyGpt.Write(_temp.Combine("model.safetensors"));

        using HttpResponseMessage response = await PostAsync(http, "/api/models/bad%20name/versions", JsonSerializer.Serialize(new { checkpoint_path = checkpoint }));

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("name: a model name is", problem.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
    }

    private sealed record ModelInfoProbe(int Aliases);

    private static async Task<ModelInfoProbe> ModelAsync(HttpClient http, string name)
    {
        using HttpResponseMessage got = await http.GetAsync($"/api/models/{name}");
        return new ModelInfoProbe((await JsonAsync(got, HttpStatusCode.OK)).GetProperty("aliases").EnumerateObject().Count());
    }

    [Fact]
    public async Task AnImportedCheckpointCanBeRegisteredTaggedAndAliased()
    {
        using HttpClient http = silo.KeyedClient();
        string name = $"admin-{Guid.NewGuid():N}";
        string checkpoint = TinyGpt.Write(_temp.Combine("model.safetensors"));

        using HttpResponseMessage created = await PostAsync(http, $"/api/models/{name}/versions",
            JsonSerializer.Serialize(new { checkpoint_path = checkpoint, tags = new[] { "imported" } }));
        JsonElement version = await JsonAsync(created, HttpStatusCode.Created);
        using HttpResponseMessage tagged = await PostAsync(http, $"/api/models/{name}/versions/1/tags", """{"tag":"reviewed"}""");
        using HttpResponseMessage aliased = await PutAsync(http, $"/api/models/{name}/aliases/production", """{"version":1}""");
        JsonElement afterAlias = await JsonAsync(aliased, HttpStatusCode.OK);
        using HttpResponseMessage removed = await http.DeleteAsync($"/api/models/{name}/aliases/production");
        using HttpResponseMessage removedAgain = await http.DeleteAsync($"/api/models/{name}/aliases/production");
        using HttpResponseMessage listed = await http.GetAsync("/api/models");
        using HttpResponseMessage got = await http.GetAsync($"/api/models/{name}");
        JsonElement model = await JsonAsync(got, HttpStatusCode.OK);

        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal($"/api/models/{name}", created.Headers.Location?.OriginalString);
        Assert.Equal(["imported", "reviewed"], (await JsonAsync(tagged, HttpStatusCode.OK)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, afterAlias.GetProperty("aliases").GetProperty("production").GetInt32());
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        await AssertProblemAsync(removedAgain, HttpStatusCode.NotFound);
        Assert.Contains((await JsonAsync(listed, HttpStatusCode.OK)).EnumerateArray(), m => m.GetProperty("name").GetString() == name);
        Assert.Equal(name, model.GetProperty("name").GetString());
        Assert.Empty(model.GetProperty("aliases").EnumerateObject());
        Assert.Equal(2, model.GetProperty("alias_history").GetArrayLength());
        Assert.True(model.GetProperty("versions")[0].TryGetProperty("created_at", out _));
    }

    [Theory]
    [InlineData("""{}""", "job_id")]
    [InlineData("""{"job_id":"j","checkpoint_path":"/tmp/x"}""", "checkpoint_path")]
    [InlineData("""{"checkpoint_path":"/nonexistent/model.safetensors"}""", "checkpoint_path")]
    [InlineData("""{"job_id":"no-such-job"}""", "job_id")]
    [InlineData("""{"job_id":42}""", "job_id")]
    [InlineData("""{"job_id":""", "body")]
    public async Task RegisteringAVersionWithABadBodyNamesTheField(string json, string field)
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PostAsync(http, $"/api/models/bad-{Guid.NewGuid():N}/versions", json);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task ACheckpointOutsideTheImportRootsIsRefusedLikeAMissingOne()
    {
        using HttpClient http = silo.KeyedClient();
        // A real checkpoint, but outside the silo's import root.
        string outside = TinyGpt.Write(Path.Combine(OutsideDirectory.NotUnder(DevSiloFixture.ImportRoot), $"actorai-outside-{Guid.NewGuid():N}.safetensors"));
        string missing = Path.Combine(DevSiloFixture.ImportRoot, $"missing-{Guid.NewGuid():N}.safetensors");
        string notACheckpoint = _temp.Write("not-a-checkpoint.safetensors", "a secret line");
        try
        {
            var details = new List<string>();
            foreach (string path in (string[])[outside, missing, notACheckpoint])
            {
                using HttpResponseMessage response = await PostAsync(http, $"/api/models/roots-{Guid.NewGuid():N}/versions",
                    JsonSerializer.Serialize(new { checkpoint_path = path }));
                JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
                details.Add(problem.GetProperty("errors").GetProperty("checkpoint_path")[0].GetString()!);
            }

            string detail = Assert.Single(details.Distinct());
            Assert.Contains("Artifacts:ImportRoots", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", detail, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task UnknownModelsVersionsAndAliasesAreNotFoundOrInvalid()
    {
        using HttpClient http = silo.KeyedClient();
        string name = $"admin-{Guid.NewGuid():N}";
        TinyGpt.Write(_temp.Combine("m.safetensors"));
        await silo.Actor.ImportModelAsync(name, _temp.Combine("m.safetensors"));

        using HttpResponseMessage unknownModel = await http.GetAsync($"/api/models/nope-{Guid.NewGuid():N}");
        using HttpResponseMessage unknownVersionTag = await PostAsync(http, $"/api/models/{name}/versions/9/tags", """{"tag":"x"}""");
        using HttpResponseMessage unknownVersionAlias = await PutAsync(http, $"/api/models/{name}/aliases/prod", """{"version":9}""");
        using HttpResponseMessage missingVersion = await PutAsync(http, $"/api/models/{name}/aliases/prod", """{}""");
        using HttpResponseMessage aliasOfNothing = await PutAsync(http, $"/api/models/nope-{Guid.NewGuid():N}/aliases/prod", """{"version":1}""");
        using HttpResponseMessage blankName = await http.GetAsync("/api/models/%20");

        await AssertProblemAsync(unknownModel, HttpStatusCode.NotFound);
        await AssertProblemAsync(unknownVersionTag, HttpStatusCode.NotFound);
        Assert.True((await AssertProblemAsync(unknownVersionAlias, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("version", out _));
        Assert.True((await AssertProblemAsync(missingVersion, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("version", out _));
        await AssertProblemAsync(aliasOfNothing, HttpStatusCode.NotFound);
        Assert.True((await AssertProblemAsync(blankName, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Theory]
    [InlineData("""{"model":"m","min_replicas":3,"max_replicas":1}""", "max_replicas")]
    [InlineData("""{"model":"m","max_batch":0}""", "max_batch")]
    [InlineData("""{"model":"m","max_queue":-1}""", "max_queue")]
    [InlineData("""{"model":"m","max_batched_tokens":8}""", "max_batched_tokens")]
    [InlineData("""{"model":"m","max_batched_tokens":70000}""", "max_batched_tokens")]
    [InlineData("""{"model":"m","block_size":0}""", "block_size")]
    [InlineData("""{"model":"m","block_size":512}""", "block_size")]
    [InlineData("""{"model":"m","kv_cache_tokens":8}""", "kv_cache_tokens")]
    [InlineData("""{"model":"m","prefix_caching":"yes"}""", "prefix_caching")]
    [InlineData("""{"model":"m","target_outstanding":0}""", "target_outstanding")]
    [InlineData("""{"model":"m","scale_down_delay_seconds":0}""", "scale_down_delay")]
    [InlineData("""{"model":"m","canary":{"version":2,"percent":100}}""", "canary.percent")]
    [InlineData("""{"model":"m","version":{"x":1}}""", "version")]
    [InlineData("""{"min_replicas":1}""", "model")]
    [InlineData("""{"model":"m","max_batch":"lots"}""", "max_batch")]
    [InlineData("""{"model":""", "body")]
    public async Task AnInvalidDeploymentSpecIsRefusedNamingTheField(string json, string field)
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PutAsync(http, $"/api/deployments/d-{Guid.NewGuid():N}", json);

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task AnInvalidDeploymentNameIsRefused()
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PutAsync(http, "/api/deployments/bad%20name", """{"model":"m"}""");

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task ADeploymentCanBeCreatedReadUpdatedAndDeleted()
    {
        await silo.TinyDeploymentAsync();
        using HttpClient http = silo.KeyedClient();
        string name = $"d-{Guid.NewGuid():N}"[..20];
        const string Spec = """
            {"model":"tiny-gpt","version":1,"min_replicas":1,"max_replicas":1,"max_batch":4,"scale_down_delay_seconds":30,
             "max_batched_tokens":64,"block_size":8,"kv_cache_tokens":512,"prefix_caching":false}
            """;

        using HttpResponseMessage created = await PutAsync(http, $"/api/deployments/{name}", Spec);
        JsonElement view = await JsonAsync(created, HttpStatusCode.Created);
        using HttpResponseMessage updated = await PutAsync(http, $"/api/deployments/{name}", Spec.Replace("\"max_batch\":4", "\"max_batch\":8", StringComparison.Ordinal));
        using HttpResponseMessage got = await http.GetAsync($"/api/deployments/{name}");
        JsonElement current = await JsonAsync(got, HttpStatusCode.OK);
        using HttpResponseMessage listed = await http.GetAsync("/api/deployments");
        JsonElement list = await JsonAsync(listed, HttpStatusCode.OK);
        using HttpResponseMessage deleted = await http.DeleteAsync($"/api/deployments/{name}");
        using HttpResponseMessage deletedAgain = await http.DeleteAsync($"/api/deployments/{name}");
        using HttpResponseMessage gone = await http.GetAsync($"/api/deployments/{name}");

        Assert.Equal($"/api/deployments/{name}", created.Headers.Location?.OriginalString);
        Assert.Equal(name, view.GetProperty("name").GetString());
        Assert.Equal("tiny-gpt", view.GetProperty("spec").GetProperty("model").GetString());
        Assert.Equal("1", view.GetProperty("spec").GetProperty("version").GetString());
        Assert.Equal(30, view.GetProperty("spec").GetProperty("scale_down_delay_seconds").GetDouble());
        Assert.Equal(64, view.GetProperty("spec").GetProperty("max_batched_tokens").GetInt32());
        Assert.Equal(8, view.GetProperty("spec").GetProperty("block_size").GetInt32());
        Assert.Equal(512, view.GetProperty("spec").GetProperty("kv_cache_tokens").GetInt32());
        Assert.False(view.GetProperty("spec").GetProperty("prefix_caching").GetBoolean());
        Assert.Equal(64, current.GetProperty("spec").GetProperty("max_batched_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(8, current.GetProperty("spec").GetProperty("max_batch").GetInt32());
        Assert.Equal(1, current.GetProperty("version").GetInt32());
        Assert.IsType<string>(current.GetProperty("status").GetString());
        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("name").GetString() == name);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblemAsync(deletedAgain, HttpStatusCode.NotFound);
        await AssertProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeployingAnUnregisteredModelIsRefused()
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PutAsync(http, $"/api/deployments/d-{Guid.NewGuid():N}"[..30], $$"""{"model":"unregistered-{{Guid.NewGuid():N}}"}""");

        JsonElement problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.GetProperty("errors").EnumerateObject());
    }

    [Fact]
    public async Task UnknownJobsAreNotFound()
    {
        using HttpClient http = silo.KeyedClient();
        string id = $"nope-{Guid.NewGuid():N}";

        using HttpResponseMessage list = await http.GetAsync("/api/jobs");
        using HttpResponseMessage get = await http.GetAsync($"/api/jobs/{id}");
        using HttpResponseMessage cancel = await http.PostAsync($"/api/jobs/{id}/cancel", null);
        using HttpResponseMessage pause = await http.PostAsync($"/api/jobs/{id}/pause", null);
        using HttpResponseMessage malformed = await http.GetAsync("/api/jobs/bad%20id");

        Assert.Equal(JsonValueKind.Array, (await JsonAsync(list, HttpStatusCode.OK)).ValueKind);
        await AssertProblemAsync(get, HttpStatusCode.NotFound);
        await AssertProblemAsync(cancel, HttpStatusCode.NotFound);
        await AssertProblemAsync(pause, HttpStatusCode.NotFound);
        await AssertProblemAsync(malformed, HttpStatusCode.NotFound);
    }

    internal static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    internal static Task<HttpResponseMessage> PutAsync(HttpClient http, string path, string json) =>
        http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    internal static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        JsonElement problem = await JsonAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}

/// <summary>A tiny random-weight GPT with the byte tokenizer, as a safetensors checkpoint.</summary>
internal static class TinyGpt
{
    public static readonly GptConfig Config = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 64, VocabularySize: 256);

    public static string Write(string path)
    {
        using var model = new Gpt(Config);
        GptCheckpoint.Save(model, path, metadata: new Dictionary<string, string> { ["actorai.tokenizer"] = "byte" });
        return path;
    }
}
