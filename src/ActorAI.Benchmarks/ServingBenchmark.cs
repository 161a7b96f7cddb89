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
/// Serving throughput and latency against the strongest simple baseline, all in one run on one model (random weights,
/// a long context) and one seeded mix of prompt lengths:
/// <list type="bullet">
/// <item>the baseline: cached in-process decoding at batch 1 (one request after another, the whole prompt in one pass);</item>
/// <item>the replica's generator stepped in process (no threads or channels) at concurrency 1, 8 and 32, with TTFT and
/// per-token ITL;</item>
/// <item>a deployment on an in-process silo over HTTP (<c>/v1/completions</c>, streamed) at the same concurrencies;</item>
/// <item>the c=32 FLOP rate as a fraction of the matmul peak measured in this run;</item>
/// <item>prefix caching (a shared 200-token system prompt, on against off; and a 0% hit rate, on against off);</item>
/// <item>a 2,000-token prompt arriving while others decode (their ITL p99 with and without it);</item>
/// <item>the c=1 overhead of HTTP against the in-process engine, in alternating pairs; the naive (uncached) ratio.</item>
/// </list>
/// Prints key=value lines; the headline, c=32 over HTTP ÷ cached batch 1, last.
/// </summary>
internal static class ServingBenchmark
{
    internal const string AdminKey = "bench-admin-key-0123456789";
    private const string ShortPrompt = "The quick brown fox ";

    public static async Task<int> RunAsync(string[] args)
    {
        string preset = Arg(args, "--preset") ?? "small";
        int context = Int(args, "--context", 4096);
        int tokens = Int(args, "--tokens", 128);
        int requests = Int(args, "--requests", 64);
        int shortest = Int(args, "--min-prompt", 20), longest = Int(args, "--max-prompt", 1000);
        int threads = Int(args, "--threads", Environment.ProcessorCount);
        int[] levels = [.. (Arg(args, "--concurrency") ?? "1,8,32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        int top = levels.Max();
        ComputeDevice.SetIntraOpThreads(threads);
        string checkpoint = Arg(args, "--checkpoint") ?? RandomCheckpoint(preset, context);
        var tokenizer = new ByteTokenizer();
        using Gpt model = GptCheckpoint.Load(checkpoint, ComputeDevice.Select());
        model.eval();
        Print("model", checkpoint.Contains("actorai-bench-serving", StringComparison.Ordinal) ? $"{preset} (random weights)" : checkpoint);
        Print("parameters", model.parameters().Sum(p => p.numel()));
        Print("context", model.Config.ContextLength);
        Print("threads", threads);
        string[] mix = ServingWorkload.PromptMix(requests, shortest, Math.Min(longest, model.Config.ContextLength - tokens - 1), seed: 11);
        int[] lengths = [.. mix.Select(p => p.Length)];
        Print("requests", requests);
        Print("prompt_tokens_min", lengths.Min());
        Print("prompt_tokens_mean", lengths.Average());
        Print("prompt_tokens_max", lengths.Max());
        Print("max_tokens", tokens);
        double peak = MatmulPeak.Measure(ComputeDevice.Select()).Max();
        Print("matmul_peak_gflops", peak / 1e9);

        // The deployment's engine settings; the in-process engine runs with the same.
        var engineOptions = new GenerationEngineOptions(MaxBatch: 32, MaxQueue: 64);
        // The baseline: KV-cached decoding of one request at a time, its prompt in one pass (as a user's own loop).
        var baselineOptions = new GenerationEngineOptions(MaxBatch: 1, MaxQueue: 0, MaxBatchedTokens: model.Config.ContextLength, PrefixCaching: false);
        ServingWorkload.Drive(model, tokenizer, baselineOptions, mix[..2], 1, 8); // warm-up
        ServingWorkload.EngineLoad cached = ServingWorkload.Drive(model, tokenizer, baselineOptions, mix, 1, tokens);
        Print("cached_b1_tokens_per_s", cached.TokensPerSecond);
        Print("cached_b1_flop_fraction", cached.FlopsPerSecond / peak);

        var engine = new Dictionary<int, ServingWorkload.EngineLoad>();
        foreach (int c in levels)
        {
            ServingWorkload.EngineLoad r = ServingWorkload.Drive(model, tokenizer, engineOptions with { PrefixCaching = false }, c == 1 ? mix[..Math.Min(16, mix.Length)] : mix, c, tokens);
            engine[c] = r;
            PrintLoad($"engine_c{c}", r.TokensPerSecond, r.Ttft, "itl", r.Itl);
        }
        Print($"engine_c{top}_flop_fraction", engine[top].FlopsPerSecond / peak);

        PrefixCaching(model, tokenizer, engineOptions, tokens);
        LongArrival(model, tokenizer, engineOptions);

        await using var silo = await BenchSilo.StartAsync(checkpoint);
        var http = new Dictionary<int, LoadResult>();
        await silo.RunAsync(1, 2, 8, mix); // warm-up: JIT, first activations
        foreach (int c in levels)
        {
            LoadResult r = await silo.RunAsync(c, c == 1 ? Math.Min(16, mix.Length) : mix.Length, tokens, mix);
            http[c] = r;
            PrintLoad($"http_c{c}", r.TokensPerSecond, r.Ttft, "tpot", r.Tpot);
        }
        double httpFlops = mix.Sum(p => ServingWorkload.RequestFlops(model.Config, p.Length, tokens)) * (http[top].TokensPerSecond / (mix.Length * tokens));
        Print($"http_c{top}_flop_fraction", httpFlops / peak);
        Print($"ratio_http_c{top}_over_engine_c{top}", http[top].TokensPerSecond / engine[top].TokensPerSecond);

        // The c=1 overhead in pairs — one request through the in-process engine, then the same over HTTP, ten times —
        // so that the machine's noise falls on both sides alike; medians of each side.
        var pairedEngine = new List<double>();
        var pairedHttp = new List<double>();
        using (var alone = new BatchedGenerator(model, tokenizer, engineOptions with { PrefixCaching = false }))
        {
            for (int i = 0; i < 10; i++)
            {
                string[] one = [mix[i % mix.Length]];
                var watch = Stopwatch.StartNew();
                alone.Generate(tokenizer.Encode(one[0]), new SamplingOptions(tokens, Temperature: 1.0, Seed: i, IgnoreEndOfText: true));
                pairedEngine.Add(watch.Elapsed.TotalMilliseconds);
                pairedHttp.Add((await silo.RunAsync(1, 1, tokens, one)).Latency.P50);
            }
        }
        double engineMedian = Percentiles.Of(pairedEngine).P50, httpMedian = Percentiles.Of(pairedHttp).P50;
        Print("paired_engine_c1_latency_p50_ms", engineMedian);
        Print("paired_http_c1_latency_p50_ms", httpMedian);
        Print("c1_overhead_vs_engine_pct", (httpMedian / engineMedian - 1) * 100);
        await silo.DisposeAsync();

        // Secondary: the naive ratio (no KV cache at all, batch 1) on the short prompt of earlier versions.
        double naive = Naive(model, tokenizer.Encode(ShortPrompt), new SamplingOptions(tokens, Temperature: 1.0, Seed: 1, IgnoreEndOfText: true));
        Print("naive_b1_tokens_per_s", naive);
        Print($"ratio_http_c{top}_over_naive", http[top].TokensPerSecond / naive);
        Print($"ratio_http_c{top}_over_cached_b1", http[top].TokensPerSecond / cached.TokensPerSecond);
        return 0;
    }

    // A 200-token system prompt shared by every request (a user part of 20-60 tokens after it), the prefix cache on
    // against off, at concurrency 1 and 8; then distinct prompts (a 0% hit rate), on against off in alternating rounds.
    private static void PrefixCaching(Gpt model, ITextTokenizer tokenizer, GenerationEngineOptions options, int tokens)
    {
        var random = new Random(23);
        string system = ServingWorkload.Text(random, 200);
        string[] shared = [.. Enumerable.Range(0, 48).Select(_ => system + ServingWorkload.Text(random, random.Next(20, 61)))];
        int outputTokens = Math.Min(tokens, 32);
        foreach (int c in new[] { 1, 8 })
        {
            // The first request of the "on" run fills the cache; the others hit it.
            ServingWorkload.EngineLoad off = ServingWorkload.Drive(model, tokenizer, options with { PrefixCaching = false }, shared, c, outputTokens);
            ServingWorkload.EngineLoad on = ServingWorkload.Drive(model, tokenizer, options, shared, c, outputTokens);
            Print($"prefix_c{c}_hit_rate", (double)on.PrefixHits / on.PrefixQueries);
            Print($"prefix_c{c}_ttft_p50_off_ms", off.Ttft.P50);
            Print($"prefix_c{c}_ttft_p50_on_ms", on.Ttft.P50);
            Print($"prefix_c{c}_ttft_speedup", off.Ttft.P50 / on.Ttft.P50);
        }
        string[] distinct = ServingWorkload.PromptMix(48, 20, 1000, seed: 29);
        var onRates = new List<double>();
        var offRates = new List<double>();
        for (int round = 0; round < 3; round++)
        {
            foreach (bool caching in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                ServingWorkload.EngineLoad r = ServingWorkload.Drive(model, tokenizer, options with { PrefixCaching = caching }, distinct, 32, outputTokens);
                (caching ? onRates : offRates).Add(r.TokensPerSecond);
            }
        }
        Print("prefix_miss_tokens_per_s_on", Percentiles.Of(onRates).P50);
        Print("prefix_miss_tokens_per_s_off", Percentiles.Of(offRates).P50);
        Print("prefix_miss_throughput_ratio", Percentiles.Of(onRates).P50 / Percentiles.Of(offRates).P50);
    }

    // Eight requests decode 200 tokens each; in one run a 2,000-token prompt arrives once each has 40 tokens. The others'
    // inter-token gaps (the arrival asks one token and is left out): p99 with and without it.
    private static void LongArrival(Gpt model, ITextTokenizer tokenizer, GenerationEngineOptions options)
    {
        int arrivalTokens = Math.Min(2000, model.Config.ContextLength - 2);
        var random = new Random(31);
        string[] running = [.. Enumerable.Range(0, 8).Select(_ => ServingWorkload.Text(random, 64))];
        int[] arrival = tokenizer.Encode(ServingWorkload.Text(random, arrivalTokens));
        var p99 = new double[2];
        for (int withArrival = 0; withArrival < 2; withArrival++)
        {
            using var generator = new BatchedGenerator(model, tokenizer, options with { PrefixCaching = false });
            var sampling = new SamplingOptions(200, Temperature: 1.0, Seed: 3, IgnoreEndOfText: true);
            var last = running.Select(p => generator.Submit(tokenizer.Encode(p), sampling)).ToDictionary(id => id, _ => 0L);
            var counts = last.Keys.ToDictionary(id => id, _ => 0);
            var gaps = new List<double>();
            long arrivalId = -1, arrivedAt = 0;
            while (generator.HasWork)
            {
                if (withArrival == 1 && arrivalId < 0 && counts.Values.All(c => c >= 40))
                {
                    arrivalId = generator.Submit(arrival, new SamplingOptions(1, Temperature: 0));
                    arrivedAt = Stopwatch.GetTimestamp();
                }
                IReadOnlyList<GenerationEvent> events = generator.Step();
                long now = Stopwatch.GetTimestamp();
                foreach (GenerationEvent e in events.Where(e => e.Token >= 0))
                {
                    if (e.SequenceId == arrivalId)
                    {
                        Print("arrival_ttft_ms", Stopwatch.GetElapsedTime(arrivedAt, now).TotalMilliseconds);
                        continue;
                    }
                    if (counts[e.SequenceId]++ > 0)
                    {
                        gaps.Add(Stopwatch.GetElapsedTime(last[e.SequenceId], now).TotalMilliseconds);
                    }
                    last[e.SequenceId] = now;
                }
            }
            p99[withArrival] = Percentiles.Of(gaps).P99;
        }
        Print("arrival_others_itl_p99_without_ms", p99[0]);
        Print("arrival_others_itl_p99_with_ms", p99[1]);
        Print("arrival_others_itl_p99_ratio", p99[1] / p99[0]);
    }

    private static double Naive(Gpt model, int[] prompt, SamplingOptions options)
    {
        long[][] prompts = [[.. prompt.Select(t => (long)t)]];
        NaiveGenerator.Generate(model, prompts, 8, options); // warm-up
        var watch = Stopwatch.StartNew();
        const int Runs = 2;
        for (int i = 0; i < Runs; i++)
        {
            NaiveGenerator.Generate(model, prompts, options.MaxTokens, options);
        }
        return Runs * options.MaxTokens / watch.Elapsed.TotalSeconds;
    }

    // Every path generates exactly the requested tokens (end-of-text ignored), so their token counts match.
    internal static string RandomCheckpoint(string preset, int? context = null)
    {
        torch.manual_seed(1234);
        GptConfig config = GptConfig.Preset(preset, 256);
        config = config with { ContextLength = context ?? config.ContextLength };
        using var model = new Gpt(config);
        string path = Path.Combine(Path.GetTempPath(), $"actorai-bench-serving-{preset}-{config.ContextLength}.safetensors");
        GptCheckpoint.Save(model, path, metadata: new Dictionary<string, string> { ["actorai.tokenizer"] = "byte" });
        return path;
    }

    // One load's throughput, time to first token and gaps (per token in process, per request's mean over HTTP).
    private static void PrintLoad(string prefix, double tokensPerSecond, Percentiles ttft, string gapName, Percentiles gaps)
    {
        Print($"{prefix}_tokens_per_s", tokensPerSecond);
        Print($"{prefix}_ttft_p50_ms", ttft.P50);
        Print($"{prefix}_ttft_p99_ms", ttft.P99);
        Print($"{prefix}_{gapName}_p50_ms", gaps.P50);
        Print($"{prefix}_{gapName}_p99_ms", gaps.P99);
    }

    private static int Int(string[] args, string name, int fallback) =>
        Arg(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

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
            if (sorted.Length == 0)
            {
                return new Percentiles(double.NaN, double.NaN);
            }
            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return new Percentiles(At(0.50), At(0.99));
        }
    }

    internal sealed record LoadResult(double TokensPerSecond, Percentiles Ttft, Percentiles Latency, Percentiles Tpot);

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

        /// <summary><paramref name="requests"/> streamed completions, <paramref name="concurrency"/> at a time, taking
        /// their prompts in turn from <paramref name="prompts"/> (a short prompt by default).</summary>
        public async Task<LoadResult> RunAsync(int concurrency, int requests, int tokens, IReadOnlyList<string>? prompts = null)
        {
            prompts ??= [ShortPrompt];
            var ttft = new List<double>();
            var latency = new List<double>();
            var tpot = new List<double>();
            int next = 0;
            long generated = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                int taken;
                while ((taken = Interlocked.Increment(ref next)) <= requests)
                {
                    int index = taken - 1;
                    (double first, double total, int count) = await OneAsync(prompts[index % prompts.Count], tokens, seed: index + 1);
                    lock (ttft)
                    {
                        ttft.Add(first);
                        latency.Add(total);
                        if (count > 1)
                        {
                            tpot.Add((total - first) / (count - 1));
                        }
                        generated += count;
                    }
                }
            }));
            double seconds = watch.Elapsed.TotalSeconds;
            return new LoadResult(generated / seconds, Percentiles.Of(ttft), Percentiles.Of(latency), Percentiles.Of(tpot));
        }

        private async Task<(double TtftMs, double TotalMs, int Tokens)> OneAsync(string prompt, int tokens, int seed)
        {
            string body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = Deployment, ["prompt"] = prompt, ["max_tokens"] = tokens, ["temperature"] = 1.0, ["seed"] = seed,
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
