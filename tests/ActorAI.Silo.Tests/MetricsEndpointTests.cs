using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Tests;

/// <summary><c>/metrics</c> on a dev silo: who may read it, and the vLLM-named serving series after real traffic.</summary>
[Collection(DevSiloCollection.Name)]
public sealed partial class MetricsEndpointTests(DevSiloFixture silo)
{
    private static readonly string[] TtftBounds = ["0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "20", "40", "80", "160", "640", "2560", "+Inf"];
    private static readonly string[] ItlBounds = ["0.01", "0.025", "0.05", "0.075", "0.1", "0.15", "0.2", "0.3", "0.4", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "20", "40", "80", "+Inf"];
    private static readonly string[] LatencyBounds = ["0.3", "0.5", "0.8", "1", "1.5", "2", "2.5", "5", "10", "15", "20", "30", "40", "50", "60", "120", "240", "480", "960", "1920", "7680", "+Inf"];

    [Fact]
    public async Task OnlyAdminAndMetricsKeysMayRead()
    {
        ApiKeyCreated metrics = await silo.Actor.CreateApiKeyAsync("scraper", [ApiKeyRoles.Metrics]);
        ApiKeyCreated infer = await silo.Actor.CreateApiKeyAsync("app", [ApiKeyRoles.Infer]);

        using HttpResponseMessage anonymous = await silo.Client().GetAsync("/metrics");
        using HttpResponseMessage inferred = await silo.KeyedClient(infer.Key).GetAsync("/metrics");
        using HttpResponseMessage admin = await silo.KeyedClient().GetAsync("/metrics");
        using HttpResponseMessage scraper = await silo.KeyedClient(metrics.Key).GetAsync("/metrics");
        using HttpResponseMessage scraperOnV1 = await silo.KeyedClient(metrics.Key).GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, inferred.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scraper.StatusCode);
        Assert.Equal("text/plain", scraper.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, scraperOnV1.StatusCode); // a scraper's key serves nothing else
    }

    [Fact]
    public async Task TheAdminKeysApiIssuesMetricsKeys()
    {
        using HttpResponseMessage created = await silo.KeyedClient().PostAsync("/api/keys",
            new StringContent("""{"name": "prometheus", "roles": ["metrics"]}""", Encoding.UTF8, "application/json"));
        string body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        string key = JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;

        using HttpResponseMessage scrape = await silo.KeyedClient(key).GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }

    [Fact]
    public async Task AChatRequestShowsUpAsVllmNamedSeriesWithItsLabels()
    {
        string deployment = await silo.TinyDeploymentAsync();
        int completion = await ChatAsync(deployment);
        Assert.True(completion >= 2, $"the seeded request generated {completion} tokens; inter-token latency needs two");

        string text = await ScrapeUntilAsync(t => Value(t, "actorai:request_success_total", deployment) >= 1);

        string labels = Labels(text, "actorai:time_to_first_token_seconds_count", deployment);
        Assert.Contains($"model_name=\"{deployment}\"", labels, StringComparison.Ordinal);
        Assert.Contains("model=\"tiny-gpt\"", labels, StringComparison.Ordinal);
        Assert.Contains("version=\"1\"", labels, StringComparison.Ordinal);
        Assert.Matches($"replica=\"{deployment}/\\d+\"", labels);
        Assert.Equal(TtftBounds, Bounds(text, "actorai:time_to_first_token_seconds", deployment));
        Assert.Equal(ItlBounds, Bounds(text, "actorai:inter_token_latency_seconds", deployment));
        Assert.Equal(ItlBounds, Bounds(text, "actorai:request_time_per_output_token_seconds", deployment));
        Assert.Equal(LatencyBounds, Bounds(text, "actorai:e2e_request_latency_seconds", deployment));
        Assert.Equal(LatencyBounds, Bounds(text, "actorai:request_queue_time_seconds", deployment));
        Assert.Contains("# TYPE actorai:time_to_first_token_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE actorai:request_success_total counter", text, StringComparison.Ordinal);
        Assert.True(Value(text, "actorai:prompt_tokens_total", deployment) > 0);
        Assert.True(Value(text, "actorai:generation_tokens_total", deployment) >= completion);
        Assert.True(Value(text, "actorai:inter_token_latency_seconds_count", deployment) >= completion - 1);
        Assert.Matches("actorai:request_success_total\\{[^}]*finished_reason=\"(stop|length)\"", text);
        Assert.NotNull(Value(text, "actorai:num_requests_running", deployment));
        Assert.NotNull(Value(text, "actorai:num_requests_waiting", deployment));
        Assert.InRange(Value(text, "actorai:kv_cache_usage_perc", deployment) ?? -1, 0, 1);
        // Cluster: silos by status, activations by grain type (Orleans' meter), ASP.NET Core's request duration.
        Assert.Matches("actorai:cluster_silos\\{[^}]*status=\"active\"[^}]*\\} 1", text);
        Assert.Matches("orleans_grains\\{[^}]*type=\"[^\"]*replica", text);
        Assert.Contains("http_server_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrefixCacheHitsAreSaltedPerApiKeyWhateverTheBodySays()
    {
        string deployment = await silo.TinyDeploymentAsync();
        ApiKeyCreated a = await silo.Actor.CreateApiKeyAsync("tenant-a", [ApiKeyRoles.Infer]);
        ApiKeyCreated b = await silo.Actor.CreateApiKeyAsync("tenant-b", [ApiKeyRoles.Infer]);
        // 48 bytes: three full 16-token blocks of the byte tokenizer, unique to this run.
        string prompt = $"shared system prompt {Guid.NewGuid():N}"[..48];
        double served = (Value(await ScrapeUntilAsync(_ => true), "actorai:request_success_total", deployment) ?? 0);

        async Task<double> HitsAfterAsync(string key)
        {
            // A body's cache_salt is no field of the API: both tenants send the same one, and it changes nothing.
            string json = JsonSerializer.Serialize(new { model = deployment, prompt, max_tokens = 2, ignore_eos = true, cache_salt = "shared" });
            using HttpResponseMessage response = await silo.KeyedClient(key).PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            served++;
            // Read only once the scrape shows this request finished: the hit counters are read at scrape time.
            string text = await ScrapeUntilAsync(t => Value(t, "actorai:request_success_total", deployment) >= served);
            Assert.True(Value(text, "actorai:prefix_cache_queries_total", deployment) > 0);
            Assert.True(Value(text, "actorai:kv_cache_bytes", deployment) > 0);
            return Value(text, "actorai:prefix_cache_hits_total", deployment) ?? 0;
        }

        double start = await HitsAfterAsync(a.Key);
        double aAgain = await HitsAfterAsync(a.Key);
        double bFirst = await HitsAfterAsync(b.Key);
        double bAgain = await HitsAfterAsync(b.Key);

        Assert.True(aAgain - start >= 32, $"tenant a's repeat hit {aAgain - start} tokens");
        Assert.Equal(aAgain, bFirst); // tenant b finds nothing of tenant a's
        Assert.True(bAgain - bFirst >= 32, $"tenant b's repeat hit {bAgain - bFirst} tokens");
        Assert.Contains("# TYPE actorai:prefix_cache_hits_total counter", await ScrapeUntilAsync(_ => true), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheReplicaWindowCountsTheRequest()
    {
        string deployment = await silo.TinyDeploymentAsync();
        int completion = await ChatAsync(deployment);

        DeploymentStats stats = await silo.Actor.GetDeploymentStatsAsync(deployment);

        ServingStats total = Assert.IsType<ServingStats>(stats.Total);
        Assert.True(total.Requests >= 1);
        Assert.True(total.GenerationTokens >= completion);
        Assert.True(total.TimeToFirstToken.Count >= 1);
        Assert.True(total.EndToEnd.Count >= 1);
        Assert.NotNull(total.TimeToFirstToken.Quantile(0.5));
        Assert.Equal(0, total.Errors);
    }

    private async Task<int> ChatAsync(string deployment)
    {
        string json = JsonSerializer.Serialize(new
        {
            model = deployment,
            messages = new[] { new { role = "user", content = "Hello" } },
            max_tokens = 6,
            seed = 3,
            ignore_eos = true,
        });
        using HttpResponseMessage response = await silo.KeyedClient().PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
    }

    // The exporter caches a scrape briefly, so the figures of a request just finished may show up one scrape later.
    private async Task<string> ScrapeUntilAsync(Func<string, bool> done)
    {
        using HttpClient http = silo.KeyedClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            string text = await http.GetStringAsync("/metrics");
            if (done(text))
            {
                return text;
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"/metrics never showed the request:\n{text}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static IEnumerable<Match> Series(string text, string name, string deployment) =>
        SeriesLine().Matches(text).Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains($"deployment=\"{deployment}\"", StringComparison.Ordinal));

    private static double? Value(string text, string name, string deployment) =>
        Series(text, name, deployment).Select(m => (double?)double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)).Sum();

    private static string Labels(string text, string name, string deployment) =>
        Series(text, name, deployment).Select(m => m.Groups["labels"].Value).FirstOrDefault() ?? "";

    private static string[] Bounds(string text, string name, string deployment) =>
        [.. Series(text, $"{name}_bucket", deployment).Select(m => LeLabel().Match(m.Groups["labels"].Value).Groups[1].Value)];

    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\\{(?<labels>[^}]*)\\} (?<value>\\S+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();

    [GeneratedRegex("le=\"([^\"]+)\"")]
    private static partial Regex LeLabel();
}
