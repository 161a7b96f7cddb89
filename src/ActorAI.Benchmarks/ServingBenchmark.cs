using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Data.Tokenizers;
using ActorAI.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace ActorAI.Benchmarks;

/// <summary>
/// One model, prompt and token count through (a) naive in-process generation (batch 1, no KV cache), (b) in-process
/// cached generation (batch 1, KV cache), and (c) a deployment on an in-process silo over HTTP
/// (<c>/v1/completions</c>, streamed) at concurrency 1, 8 and 32. Prints key=value lines; the c=32 ÷ naive throughput
/// ratio last, after the c=1 overhead against (b) measured in alternating pairs.
/// </summary>
internal static class ServingBenchmark
{
    internal const string AdminKey = "bench-admin-key-0123456789";
    private const string Prompt = "The quick brown fox ";

    public static async Task<int> RunAsync(string[] args)
    {
        string preset = Arg(args, "--preset") ?? "small";
        string? checkpoint = Arg(args, "--checkpoint");
        int tokens = int.Parse(Arg(args, "--tokens") ?? "128", CultureInfo.InvariantCulture);
        int threads = int.Parse(Arg(args, "--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        int[] levels = [.. (Arg(args, "--concurrency") ?? "1,8,32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        ComputeDevice.SetIntraOpThreads(threads);
        checkpoint ??= RandomCheckpoint(preset);
        var tokenizer = new ByteTokenizer();
        using Gpt model = GptCheckpoint.Load(checkpoint, ComputeDevice.Select());
        model.eval();
        Print("model", checkpoint.Contains("actorai-bench-serving", StringComparison.Ordinal) ? $"{preset} (random weights)" : checkpoint);
        Print("parameters", model.parameters().Sum(p => p.numel()));
        Print("threads", threads);
        Print("prompt_tokens", tokenizer.Encode(Prompt).Length);
        Print("max_tokens", tokens);

        var options = new SamplingOptions(tokens, Temperature: 1.0, Seed: 1, IgnoreEndOfText: true);
        int[] prompt = tokenizer.Encode(Prompt);
        (double naiveRate, double naiveLatency) = Naive(model, prompt, options);
        Print("naive_tokens_per_s", naiveRate);
        Print("naive_latency_ms", naiveLatency);
        (double cachedRate, double cachedLatency) = Cached(model, tokenizer, prompt, options);
        Print("cached_tokens_per_s", cachedRate);
        Print("cached_latency_ms", cachedLatency);

        await using var silo = await BenchSilo.StartAsync(checkpoint);
        var results = new Dictionary<int, LoadResult>();
        await silo.RunAsync(1, 2, tokens); // warm-up: JIT, first activations
        foreach (int c in levels)
        {
            LoadResult r = await silo.RunAsync(c, Math.Max(4, c * 2), tokens);
            results[c] = r;
            Print($"http_c{c}_tokens_per_s", r.TokensPerSecond);
            Print($"http_c{c}_ttft_p50_ms", r.Ttft.P50);
            Print($"http_c{c}_ttft_p99_ms", r.Ttft.P99);
            Print($"http_c{c}_latency_p50_ms", r.Latency.P50);
            Print($"http_c{c}_latency_p99_ms", r.Latency.P99);
        }
        // The overhead is measured in pairs — one cached in-process request, then one over HTTP, ten times — so that
        // the machine's noise falls on both sides alike; medians of each side.
        var pairedCached = new List<double>();
        var pairedHttp = new List<double>();
        using (var generator = new BatchedGenerator(model, tokenizer, 1))
        {
            for (int i = 0; i < 10; i++)
            {
                var watch = Stopwatch.StartNew();
                generator.Generate(prompt, options);
                pairedCached.Add(watch.Elapsed.TotalMilliseconds);
                pairedHttp.Add((await silo.RunAsync(1, 1, tokens)).Latency.P50);
            }
        }
        double cachedMedian = Percentiles.Of(pairedCached).P50, httpMedian = Percentiles.Of(pairedHttp).P50;
        Print("paired_cached_latency_p50_ms", cachedMedian);
        Print("paired_http_c1_latency_p50_ms", httpMedian);
        Print("c1_overhead_vs_cached_pct", (httpMedian / cachedMedian - 1) * 100);
        await silo.DisposeAsync();
        // Metrics on against off, in alternating silos of this process (before the headline, which stays last).
        await MetricsBenchmark.RunAsync(checkpoint, tokens);
        if (results.TryGetValue(levels.Max(), out LoadResult? top))
        {
            Print($"ratio_c{levels.Max()}_over_naive", top.TokensPerSecond / naiveRate);
        }
        return 0;
    }

    private static (double Rate, double LatencyMs) Naive(Gpt model, int[] prompt, SamplingOptions options)
    {
        long[][] prompts = [[.. prompt.Select(t => (long)t)]];
        NaiveGenerator.Generate(model, prompts, 8, options); // warm-up
        var watch = Stopwatch.StartNew();
        const int Runs = 2;
        for (int i = 0; i < Runs; i++)
        {
            NaiveGenerator.Generate(model, prompts, options.MaxTokens, options);
        }
        double seconds = watch.Elapsed.TotalSeconds;
        return (Runs * options.MaxTokens / seconds, seconds * 1000 / Runs);
    }

    private static (double Rate, double LatencyMs) Cached(Gpt model, ITextTokenizer tokenizer, int[] prompt, SamplingOptions options)
    {
        using var generator = new BatchedGenerator(model, tokenizer, 1);
        generator.Generate(prompt, options with { MaxTokens = 8 }); // warm-up
        const int Runs = 4;
        int generated = 0;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Runs; i++)
        {
            generated += generator.Generate(prompt, options).Tokens.Length;
        }
        double seconds = watch.Elapsed.TotalSeconds;
        return (generated / seconds, seconds * 1000 / Runs);
    }

    // Every path generates exactly the requested tokens (end-of-text ignored), so their token counts match.
    internal static string RandomCheckpoint(string preset)
    {
        torch.manual_seed(1234);
        using var model = new Gpt(GptConfig.Preset(preset, 256));
        string path = Path.Combine(Path.GetTempPath(), $"actorai-bench-serving-{preset}.safetensors");
        GptCheckpoint.Save(model, path, metadata: new Dictionary<string, string> { ["actorai.tokenizer"] = "byte" });
        return path;
    }

    internal static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    internal static void Print(string key, object value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : value)}"));

    internal sealed record Percentiles(double P50, double P99)
    {
        public static Percentiles Of(IReadOnlyList<double> values)
        {
            double[] sorted = [.. values.Order()];
            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return new Percentiles(At(0.50), At(0.99));
        }
    }

    internal sealed record LoadResult(double TokensPerSecond, Percentiles Ttft, Percentiles Latency);

    /// <summary>A dev-profile silo (Orleans + HTTP) in this process with one deployment of the checkpoint.</summary>
    internal sealed class BenchSilo : IAsyncDisposable
    {
        private const string Deployment = "bench";
        private readonly WebApplication _app;
        private readonly HttpClient _http;

        private BenchSilo(WebApplication app, HttpClient http)
        {
            _app = app;
            _http = http;
        }

        /// <summary>
        /// Starts a dev-profile silo host in this process on free ports, with <see cref="AdminKey"/> as its bootstrap key,
        /// a fresh artifact directory and <paramref name="importRoots"/>; returns it and its HTTP port.
        /// </summary>
        public static async Task<(WebApplication App, int HttpPort)> StartHostAsync(IReadOnlyList<string> importRoots, params string[] settings)
        {
            int[] ports = [FreePort(), FreePort(), FreePort()];
            WebApplication app = SiloHost.Build([
                "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-port", $"{ports[2]}",
                "--artifacts", Path.Combine(Path.GetTempPath(), $"actorai-bench-artifacts-{Guid.NewGuid():N}"),
                $"--Auth:BootstrapAdminKey={AdminKey}", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft=Warning",
                "--Logging:LogLevel:Orleans=Warning",
                .. importRoots.Select((root, i) => $"--Artifacts:ImportRoots:{i}={Path.GetFullPath(root)}"),
                .. settings,
            ]);
            await app.StartAsync();
            return (app, ports[2]);
        }

        public static async Task<BenchSilo> StartAsync(string checkpoint, params string[] settings)
        {
            (WebApplication app, int httpPort) = await StartHostAsync([Path.GetDirectoryName(Path.GetFullPath(checkpoint))!], settings);
            ActorAIClient client = app.Services.GetRequiredService<ActorAIClient>();
            await client.ImportModelAsync("bench", Path.GetFullPath(checkpoint));
            await client.DeployAsync(Deployment, new DeploymentSpec { Model = "bench", MaxBatch = 32, MaxQueue = 64 });
            await client.WaitForDeploymentAsync(Deployment, TimeSpan.FromMinutes(5));
            var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
                Timeout = TimeSpan.FromMinutes(10),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
            return new BenchSilo(app, http);
        }

        /// <summary><paramref name="requests"/> streamed completions, <paramref name="concurrency"/> at a time.</summary>
        public async Task<LoadResult> RunAsync(int concurrency, int requests, int tokens)
        {
            var ttft = new List<double>();
            var latency = new List<double>();
            int next = 0;
            long generated = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= requests)
                {
                    (double first, double total, int count) = await OneAsync(tokens, seed: next);
                    lock (ttft)
                    {
                        ttft.Add(first);
                        latency.Add(total);
                        generated += count;
                    }
                }
            }));
            double seconds = watch.Elapsed.TotalSeconds;
            return new LoadResult(generated / seconds, Percentiles.Of(ttft), Percentiles.Of(latency));
        }

        private async Task<(double TtftMs, double TotalMs, int Tokens)> OneAsync(int tokens, int seed)
        {
            string body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = Deployment, ["prompt"] = Prompt, ["max_tokens"] = tokens, ["temperature"] = 1.0, ["seed"] = seed,
                ["ignore_eos"] = true, ["stream"] = true, ["stream_options"] = new Dictionary<string, object> { ["include_usage"] = true },
            });
            var watch = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"/v1/completions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            double first = -1;
            int completion = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }
                string data = line["data: ".Length..];
                if (data == "[DONE]")
                {
                    break;
                }
                using JsonDocument doc = JsonDocument.Parse(data);
                JsonElement root = doc.RootElement;
                if (first < 0 && root.TryGetProperty("choices", out JsonElement choices) && choices.GetArrayLength() > 0
                    && choices[0].GetProperty("text").GetString() is { Length: > 0 })
                {
                    first = watch.Elapsed.TotalMilliseconds;
                }
                if (root.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    completion = usage.GetProperty("completion_tokens").GetInt32();
                }
            }
            return (first, watch.Elapsed.TotalMilliseconds, completion);
        }

        /// <summary>A service of the silo's host.</summary>
        public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

        /// <summary>One <c>GET /metrics</c>: milliseconds until the whole body is read.</summary>
        public async Task<double> ScrapeAsync()
        {
            var watch = Stopwatch.StartNew();
            using HttpResponseMessage response = await _http.GetAsync("/metrics");
            string body = await response.Content.ReadAsStringAsync();
            double ms = watch.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK || !body.Contains("actorai:time_to_first_token_seconds_bucket", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"/metrics answered {(int)response.StatusCode} without the serving histograms");
            }
            return ms;
        }

        private bool _disposed;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            // Drain the deployment first: its timer would otherwise write state into a silo that is shutting down.
            await _app.Services.GetRequiredService<ActorAIClient>().DeleteDeploymentAsync(Deployment);
            _http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
