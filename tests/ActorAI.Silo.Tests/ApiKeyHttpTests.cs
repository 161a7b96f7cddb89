using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ActorAI.Silo.Tests;

/// <summary>API keys over HTTP: the admin API, 401/403, OpenAI-shaped errors under /v1, revocation, login sessions.</summary>
[Collection(DevSiloCollection.Name)]
public sealed class ApiKeyHttpTests(DevSiloFixture silo)
{
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key-0123456789")]
    [InlineData("Bearer aai-0123456789ab-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task TheAdminApiWithoutAValidKeyIsUnauthorized(string? authorization)
    {
        using HttpClient http = Client(authorization);

        using HttpResponseMessage response = await http.GetAsync("/api/keys");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "/no-such-route", HttpStatusCode.Unauthorized)]
    [InlineData(null, "/v1/no-such-route", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer " + DevSiloFixture.AdminKey, "/no-such-route", HttpStatusCode.NotFound)]
    public async Task EveryRouteButHealthAndLoginNeedsAKeyEvenOneThatDoesNotExist(string? authorization, string path, HttpStatusCode expected)
    {
        using HttpClient http = Client(authorization);

        using HttpResponseMessage response = await http.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "Missing API key")]
    [InlineData("Bearer wrong-key-0123456789", "Invalid API key")]
    [InlineData("Bearer aai-0123456789ab-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Invalid API key")]
    public async Task UnderV1AMissingOrWrongKeyGetsAnOpenAIError(string? authorization, string message)
    {
        using HttpClient http = Client(authorization);

        using HttpResponseMessage response = await http.GetAsync(DevSiloFixture.AuthProbePath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        JsonElement error = await OpenAIErrorAsync(response);
        Assert.StartsWith(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnderV1AKeyWithoutTheRoleGetsAnOpenAIPermissionError()
    {
        string trainKey = (await CreateAsync("trainer", ["train"])).GetProperty("key").GetString()!;
        using HttpClient http = Client($"Bearer {trainKey}");

        using HttpResponseMessage response = await http.GetAsync(DevSiloFixture.AuthProbePath);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        JsonElement error = await OpenAIErrorAsync(response);
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
        Assert.Equal("insufficient_permissions", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }

    [Fact]
    public async Task AnInferKeyIsForbiddenFromTheAdminApiButServedUnderV1WithItsModels()
    {
        string inferKey = (await CreateAsync("app", ["infer"], ["fortune", "poems"])).GetProperty("key").GetString()!;
        using HttpClient http = Client($"Bearer {inferKey}");

        using HttpResponseMessage admin = await http.GetAsync("/api/keys");
        using HttpResponseMessage probe = await http.GetAsync(DevSiloFixture.AuthProbePath);

        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.NotEqual("application/json", admin.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        using JsonDocument caller = JsonDocument.Parse(await probe.Content.ReadAsStringAsync());
        Assert.Equal("app", caller.RootElement.GetProperty("name").GetString());
        Assert.Equal(["infer"], caller.RootElement.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["fortune", "poems"], caller.RootElement.GetProperty("models").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AnAdminCreatesAKeyShownOnceThatThenAuthenticates()
    {
        JsonElement created = await CreateAsync("ops", ["admin"]);
        string id = created.GetProperty("id").GetString()!;
        string key = created.GetProperty("key").GetString()!;
        using HttpClient http = Client($"Bearer {key}");

        using HttpResponseMessage list = await http.GetAsync("/api/keys");
        using HttpResponseMessage one = await http.GetAsync($"/api/keys/{id}");
        using HttpResponseMessage missing = await http.GetAsync("/api/keys/0123456789ab");
        using HttpResponseMessage malformed = await http.GetAsync("/api/keys/not-an-id");

        Assert.StartsWith($"aai-{id}-", key, StringComparison.Ordinal);
        Assert.Equal("ops", created.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("models").ValueKind);
        Assert.True(created.TryGetProperty("created_at", out _));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        string listed = await list.Content.ReadAsStringAsync();
        JsonElement entry = Assert.Single(JsonDocument.Parse(listed).RootElement.EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        Assert.False(entry.TryGetProperty("key", out _));
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.DoesNotContain(key, await one.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact]
    public async Task ARevokedKeyIsUnauthorized()
    {
        JsonElement created = await CreateAsync("temp", ["infer"]);
        string id = created.GetProperty("id").GetString()!;
        using HttpClient http = Client($"Bearer {created.GetProperty("key").GetString()}");
        using HttpClient admin = Client($"Bearer {DevSiloFixture.AdminKey}");
        using HttpResponseMessage before = await http.GetAsync(DevSiloFixture.AuthProbePath);

        using HttpResponseMessage revoke = await admin.DeleteAsync($"/api/keys/{id}");
        using HttpResponseMessage after = await http.GetAsync(DevSiloFixture.AuthProbePath);
        using HttpResponseMessage unknown = await admin.DeleteAsync("/api/keys/0123456789ab");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using JsonDocument record = JsonDocument.Parse(await revoke.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.String, record.RootElement.GetProperty("revoked_at").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ALoginSessionKeepsTheKeysModelsAndEndsWhenTheKeyIsRevoked()
    {
        JsonElement created = await CreateAsync("browser", ["infer"], ["fortune"]);
        using HttpClient browser = silo.Client();
        using HttpClient admin = Client($"Bearer {DevSiloFixture.AdminKey}");

        using HttpResponseMessage login = await browser.PostAsync("/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = created.GetProperty("key").GetString()!, ["returnUrl"] = "/" }));
        using HttpResponseMessage before = await browser.GetAsync(DevSiloFixture.AuthProbePath);
        using HttpResponseMessage revoke = await admin.DeleteAsync($"/api/keys/{created.GetProperty("id").GetString()}");
        using HttpResponseMessage after = await browser.GetAsync(DevSiloFixture.AuthProbePath);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        using JsonDocument caller = JsonDocument.Parse(await before.Content.ReadAsStringAsync());
        Assert.Equal(["fortune"], caller.RootElement.GetProperty("models").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("invalid_api_key", (await OpenAIErrorAsync(after)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("""{"roles": ["infer"]}""", "name must be 1 to 64 characters")]
    [InlineData("""{"name": "", "roles": ["infer"]}""", "name must be 1 to 64 characters")]
    [InlineData("""{"name": "ci"}""", "roles must list at least one of admin, train, infer, metrics")]
    [InlineData("""{"name": "ci", "roles": ["root"]}""", "roles may only contain admin, train, infer, metrics (was 'root')")]
    [InlineData("""{"name": "ci", "roles": ["infer"], "models": []}""", "models must list at least one deployment")]
    [InlineData("""{"name": "ci", "roles": ["infer"], "models": ["no spaces"]}""", "models entries must be deployment names: 1 to 64")]
    [InlineData("""{"name": "ci", "roles": "infer"}""", "We could not parse the JSON body")]
    [InlineData("""not json""", "We could not parse the JSON body")]
    public async Task ABadBodyIsA400NamingTheField(string body, string detail)
    {
        using HttpClient admin = Client($"Bearer {DevSiloFixture.AdminKey}");

        using HttpResponseMessage response = await admin.PostAsync("/api/keys", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private HttpClient Client(string? authorization)
    {
        HttpClient http = silo.Client();
        if (authorization is not null)
        {
            http.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }
        return http;
    }

    private async Task<JsonElement> CreateAsync(string name, string[] roles, string[]? models = null)
    {
        using HttpClient admin = Client($"Bearer {DevSiloFixture.AdminKey}");
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/keys", new { name, roles, models });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement> OpenAIErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").Clone();
    }
}
