using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using System.Security.Claims;
using ActorAI.Silo.Hosting;
using ActorAI.Silo.Http.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;

namespace ActorAI.Silo.Tests;

/// <summary>A real dev silo (Orleans + Kestrel) on free ports, shared by the HTTP tests.</summary>
public sealed class DevSiloFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>Name of the deployment <see cref="TinyDeploymentAsync"/> creates.</summary>
    public const string TinyDeployment = "tiny";
    /// <summary>A route the tests add under <c>/v1</c>, for the infer policy: answers the caller's name, roles and models.</summary>
    public const string AuthProbePath = "/v1/test/auth-probe";

    /// <summary>The only directory checkpoints are imported from: the tests write theirs to the temp directory.</summary>
    public static readonly string ImportRoot = Path.GetTempPath();

    private WebApplication? _app;
    private readonly Lazy<Task<string>> _tinyDeployment;
    private readonly TempDirectory _checkpoints = new();

    public DevSiloFixture() => _tinyDeployment = new(DeployTinyAsync);

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        int[] ports = TestPorts.Free(3);
        string artifacts = Path.Combine(Path.GetTempPath(), $"actorai-test-{Guid.NewGuid():N}");
        _app = SiloHost.Build([
            "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-port", ports[2].ToString(),
            "--artifacts", artifacts, $"--Auth:BootstrapAdminKey={AdminKey}", "--Auth:KeyCacheSeconds=0",
            $"--Artifacts:ImportRoots:0={ImportRoot}",
        ]);
        // Test-only: a /v1 route guarded like the OpenAI-compatible API, echoing the caller's claims.
        _app.MapGet(AuthProbePath, (ClaimsPrincipal user) => Results.Json(new
            {
                name = user.Identity?.Name,
                roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value),
                models = user.FindAll(AuthSchemes.ModelClaim).Select(c => c.Value),
            }))
            .RequireAuthorization(AuthSchemes.InferRole);
        await _app.StartAsync();
        BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _checkpoints.Dispose();
    }

    /// <summary>
    /// Imports a tiny random-weight GPT (byte tokenizer, context <see cref="TinyGpt.Config"/>) and deploys it as
    /// <see cref="TinyDeployment"/> with one replica, once for the whole collection; returns the deployment name.
    /// </summary>
    public Task<string> TinyDeploymentAsync() => _tinyDeployment.Value;

    private async Task<string> DeployTinyAsync()
    {
        string checkpoint = TinyGpt.Write(_checkpoints.Combine("tiny.safetensors"));
        await Actor.ImportModelAsync("tiny-gpt", checkpoint);
        await Actor.DeployAsync(TinyDeployment, new DeploymentSpec { Model = "tiny-gpt", MinReplicas = 1, MaxReplicas = 1 });
        await Actor.WaitForDeploymentAsync(TinyDeployment, TimeSpan.FromMinutes(2));
        return TinyDeployment;
    }

    public HttpClient Client(bool followRedirects = false) =>
        new(new HttpClientHandler { AllowAutoRedirect = followRedirects, UseCookies = true }) { BaseAddress = BaseAddress };

    /// <summary>A client that sends <c>Authorization: Bearer <paramref name="apiKey"/></c> (the admin key by default).</summary>
    public HttpClient KeyedClient(string apiKey = AdminKey)
    {
        HttpClient http = Client();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    /// <summary>The silo's own client facade (registry, deployments, generation).</summary>
    public ActorAIClient Actor => _app!.Services.GetRequiredService<ActorAIClient>();
}

[CollectionDefinition(Name)]
public sealed class DevSiloCollection : ICollectionFixture<DevSiloFixture>
{
    public const string Name = "dev silo";
}

[Collection(DevSiloCollection.Name)]
public sealed class SiloHttpTests(DevSiloFixture silo)
{
    [Fact]
    public async Task HealthIsAnonymousAndReportsAnActiveSilo()
    {
        using HttpClient http = silo.Client();

        using HttpResponseMessage response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("healthy", body!["status"].ToString());
        Assert.Equal("Active", body["siloStatus"].ToString());
        Assert.Equal("1", body["activeSilos"].ToString());
    }

    [Fact]
    public async Task DashboardWithoutCredentialsIsRefused()
    {
        using HttpClient http = silo.Client();

        using HttpResponseMessage api = await http.GetAsync("/orleans/");
        using var browserRequest = new HttpRequestMessage(HttpMethod.Get, "/orleans/");
        browserRequest.Headers.Accept.ParseAdd("text/html");
        using HttpResponseMessage browser = await http.SendAsync(browserRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, browser.StatusCode);
        Assert.StartsWith("/login", browser.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer wrong-key-0123456789")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task DashboardWithAWrongKeyIsUnauthorized(string authorization)
    {
        using HttpClient http = silo.Client();
        http.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);

        using HttpResponseMessage response = await http.GetAsync("/orleans/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task DashboardWithTheAdminKeyIsServed()
    {
        using HttpClient http = silo.Client();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevSiloFixture.AdminKey);

        using HttpResponseMessage response = await http.GetAsync("/orleans/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("html", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPageExchangesTheKeyForACookie()
    {
        using HttpClient http = silo.Client();

        using HttpResponseMessage wrong = await http.PostAsync("/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = "nope-nope-nope-nope", ["returnUrl"] = "/orleans/" }));
        using HttpResponseMessage right = await http.PostAsync("/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = DevSiloFixture.AdminKey, ["returnUrl"] = "/orleans/" }));
        using HttpResponseMessage dashboard = await http.GetAsync("/orleans/");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/orleans/", right.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    [Fact]
    public async Task LoginNeverRedirectsOffSite()
    {
        using HttpClient http = silo.Client();

        using HttpResponseMessage response = await http.PostAsync("/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = DevSiloFixture.AdminKey, ["returnUrl"] = "//evil.example/" }));

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }
}
