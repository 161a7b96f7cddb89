using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorAI.Silo.Tests;

/// <summary>The dashboard as the silo host serves it: sign-in, the home redirect, its static assets, and roles.</summary>
[Collection(DevSiloCollection.Name)]
public sealed partial class DashboardHostingTests(DevSiloFixture silo)
{
    [Fact]
    public async Task HomeSendsAnonymousBrowsersToLoginAndSignedInUsersToTheDashboard()
    {
        using HttpClient http = silo.Client();
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/");
        anonymous.Headers.Accept.ParseAdd("text/html");
        using HttpResponseMessage before = await http.SendAsync(anonymous);
        await SignInAsync(http, DevSiloFixture.AdminKey);
        using HttpResponseMessage after = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, before.StatusCode);
        Assert.StartsWith("/login", before.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/dashboard", after.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PagesRenderOnTheServerAndTheirScriptAndStylesheetAreServed()
    {
        using HttpClient http = silo.Client();
        await SignInAsync(http, DevSiloFixture.AdminKey);

        string jobs = await http.GetStringAsync("/dashboard/jobs");
        string[] assets = [.. AssetPattern().Matches(jobs).Select(m => m.Groups[1].Value)];

        Assert.Contains("data-testid=\"jobs-table\"", jobs, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"nav-keys\"", jobs, StringComparison.Ordinal);
        Assert.Contains(assets, a => a.Contains("blazor.web", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));
        foreach (string asset in assets)
        {
            using HttpResponseMessage response = await http.GetAsync("/" + asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task AnInferKeySeesReadOnlyViewsAndNoKeys()
    {
        string key = await CreateKeyAsync("dashboard-viewer", "infer");
        using HttpClient http = silo.Client();
        await SignInAsync(http, key);

        using HttpResponseMessage keys = await http.GetAsync("/dashboard/keys");
        string jobs = await http.GetStringAsync("/dashboard/jobs");

        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        Assert.Contains("Access denied", await keys.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("nav-keys", jobs, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"jobs-table\"", jobs, StringComparison.Ordinal);
    }

    private static async Task SignInAsync(HttpClient http, string key)
    {
        using HttpResponseMessage login = await http.PostAsync("/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key, ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    private async Task<string> CreateKeyAsync(string name, string role)
    {
        using HttpClient admin = silo.Client();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevSiloFixture.AdminKey);
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/keys", new { name, roles = new[] { role } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    [GeneratedRegex("(?:src|href)=\"((?:_framework|_content)/[^\"]+)\"")]
    private static partial Regex AssetPattern();
}
