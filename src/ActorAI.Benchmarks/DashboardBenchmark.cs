using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TorchSharp;

namespace ActorAI.Benchmarks;

/// <summary>
/// The dashboard at scale on an in-process silo: seeds 10,000 job catalog records (finished jobs, written through the
/// catalog grains; no job grains behind them) and 1,000 versions of one model (imported through the registry grain),
/// then times (a) GET /dashboard/jobs with a signed-in cookie — the server renders the page, so the response time is the
/// page's server time — plain, filtered and deep, and (b) the time from a real running job's step becoming readable
/// in the cluster to the point on the job page open in Chromium (Playwright, waiting on the loss chart's
/// <c>data-last-step</c>). Prints key=value lines.
/// </summary>
internal static class DashboardBenchmark
{
    private const string AdminKey = ServingBenchmark.AdminKey;
    private const string Chromium = "/usr/bin/chromium";

    public static async Task<int> RunAsync(string[] args)
    {
        int jobs = int.Parse(ServingBenchmark.Arg(args, "--jobs") ?? "10000", CultureInfo.InvariantCulture);
        int versions = int.Parse(ServingBenchmark.Arg(args, "--versions") ?? "1000", CultureInfo.InvariantCulture);
        int requests = int.Parse(ServingBenchmark.Arg(args, "--requests") ?? "40", CultureInfo.InvariantCulture);
        int samples = int.Parse(ServingBenchmark.Arg(args, "--samples") ?? "20", CultureInfo.InvariantCulture);
        string browser = ServingBenchmark.Arg(args, "--chromium") ?? Chromium;
        string data = await TrainingBenchmark.PrepareSyntheticAsync();
        string checkpoint = TinyCheckpoint();

        (WebApplication host, int httpPort) = await ServingBenchmark.BenchSilo.StartHostAsync(
            [Path.GetDirectoryName(checkpoint)!, Path.GetDirectoryName(Path.GetFullPath(data))!]);
        await using WebApplication app = host;
        string baseUrl = $"http://127.0.0.1:{httpPort}";
        ActorAIClient client = app.Services.GetRequiredService<ActorAIClient>();

        var seed = Stopwatch.StartNew();
        await SeedJobsAsync(client, jobs);
        ServingBenchmark.Print("seeded_jobs", $"{jobs} (catalog records of finished jobs through the catalog grains; no job grains behind them)");
        ServingBenchmark.Print("seed_jobs_s", seed.Elapsed.TotalSeconds);
        seed.Restart();
        for (int v = 0; v < versions; v++)
        {
            await client.ImportModelAsync("bench-models", checkpoint);
        }
        ServingBenchmark.Print("seeded_model_versions", $"{versions} (one tiny checkpoint imported {versions} times through the registry grain)");
        ServingBenchmark.Print("seed_versions_s", seed.Elapsed.TotalSeconds);

        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        using (HttpResponseMessage login = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = AdminKey, ["returnUrl"] = "/dashboard" })))
        {
            if (login.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"login answered {(int)login.StatusCode}");
            }
        }
        await TimePageAsync(http, "jobs_page_server_ms", "/dashboard/jobs", requests, "data-testid=\"job-row\"");
        await TimePageAsync(http, "jobs_page_filtered_server_ms", "/dashboard/jobs?status=Succeeded&q=bench-001", requests, "data-testid=\"job-row\"");
        await TimePageAsync(http, "jobs_page_deep_server_ms", $"/dashboard/jobs?page={jobs / 25 - 1}", requests, "data-testid=\"job-row\"");
        await TimePageAsync(http, "model_versions_page_server_ms", $"/dashboard/models/bench-models?page={Math.Max(1, versions / 100)}", requests, "data-testid=\"version-row\"");

        await StepToPointAsync(client, baseUrl, data, browser, samples);
        await app.StopAsync();
        // Last, so its headline (metrics on ÷ off serving throughput) is the benchmark's last line.
        await MetricsBenchmark.RunAsync(ServingBenchmark.RandomCheckpoint(ServingBenchmark.Arg(args, "--preset") ?? "small"));
        return 0;
    }

    private static async Task SeedJobsAsync(ActorAIClient client, int count)
    {
        DateTimeOffset start = DateTimeOffset.UtcNow.AddDays(-30);
        TrainingJobStatus[] statuses = [TrainingJobStatus.Succeeded, TrainingJobStatus.Succeeded, TrainingJobStatus.Failed, TrainingJobStatus.Cancelled];
        var summaries = Enumerable.Range(0, count).Select(i =>
        {
            DateTimeOffset at = start.AddSeconds(i * 60);
            return new TrainingJobSummary($"bench-{i:D5}", statuses[i % statuses.Length], at, at.AddMinutes(30), 1000, 1000,
                2.0 + 1.0 / (1 + i % 97), 2, i % 2 == 0 ? "tiny" : "small", $"corpus@{1 + i % 5}", null);
        });
        foreach (IGrouping<int, TrainingJobSummary> partition in summaries.GroupBy(s => TrainingJobCatalog.PartitionOf(s.JobId)))
        {
            ITrainingJobCatalogGrain grain = client.Cluster.GetGrain<ITrainingJobCatalogGrain>(partition.Key);
            foreach (TrainingJobSummary[] chunk in partition.Chunk(500))
            {
                await grain.UpsertManyAsync(chunk);
            }
        }
    }

    private static async Task TimePageAsync(HttpClient http, string key, string path, int requests, string mustContain)
    {
        for (int i = 0; i < 3; i++)
        {
            await GetAsync(http, path, mustContain); // warm-up: JIT, activations
        }
        var times = new List<double>(requests);
        for (int i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            await GetAsync(http, path, mustContain);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        ServingBenchmark.Print($"{key}_p50", Quantile(times, 0.5));
        ServingBenchmark.Print($"{key}_p95", Quantile(times, 0.95));
    }

    private static async Task GetAsync(HttpClient http, string path, string mustContain)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains(mustContain, StringComparison.Ordinal))
        {
            int alert = body.IndexOf("alert", StringComparison.Ordinal);
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} without {mustContain}: {(alert < 0 ? "" : body[alert..Math.Min(body.Length, alert + 300)])}");
        }
    }

    private static async Task StepToPointAsync(ActorAIClient client, string baseUrl, string data, string browserPath, int samples)
    {
        string jobId = $"bench-live-{Guid.NewGuid():N}"[..24];
        await client.SubmitTrainingJobAsync(jobId, new TrainingJobSpec("small", Path.GetFullPath(data), Steps: 100_000, GlobalBatchRows: 2, Workers: 1, ParameterShards: 1,
            WarmupSteps: 10, CheckpointInterval: 0));
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = browserPath, Headless = true });
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/login?returnUrl=/dashboard/jobs/{jobId}");
        await page.FillAsync("#key", AdminKey);
        await page.ClickAsync("button[type=submit]");
        ILocator chart = page.Locator("svg[data-testid=loss-chart]");
        await chart.WaitForAsync();
        // The circuit is up once the buttons are enabled; from then on every point arrives over it.
        await page.Locator("[data-testid=job-pause]:not([disabled])").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });

        var delays = new List<double>(samples);
        long seen = await LastStepAsync(client, jobId);
        while (delays.Count < samples)
        {
            long step;
            var poll = Stopwatch.StartNew();
            while ((step = await LastStepAsync(client, jobId)) <= seen)
            {
                if (poll.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"job {jobId} recorded no step after {seen} in 2 minutes");
                }
                await Task.Delay(2); // polling the cluster for the next recorded step; the measured span starts when it is seen
            }
            var watch = Stopwatch.StartNew();
            await page.WaitForFunctionAsync(
                "step => Number(document.querySelector('svg[data-testid=loss-chart]')?.getAttribute('data-last-step') ?? 0) >= step",
                step, new PageWaitForFunctionOptions { PollingInterval = 5, Timeout = 30_000 });
            delays.Add(watch.Elapsed.TotalMilliseconds);
            seen = step;
        }
        int points = int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);
        await client.CancelTrainingJobAsync(jobId);
        ServingBenchmark.Print("step_to_point_samples", delays.Count);
        ServingBenchmark.Print("step_to_point_chart_points", points);
        ServingBenchmark.Print("step_to_point_ms_p50", Quantile(delays, 0.5));
        ServingBenchmark.Print("step_to_point_ms_p95", Quantile(delays, 0.95));
        ServingBenchmark.Print("step_to_point_ms_max", delays.Max());
    }

    private static async Task<long> LastStepAsync(ActorAIClient client, string jobId) =>
        (await client.GetTrainingJobAsync(jobId))?.LastMetrics?.Step ?? 0;

    private static double Quantile(List<double> values, double q)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string TinyCheckpoint()
    {
        torch.manual_seed(7);
        using var model = new Gpt(new GptConfig(Layers: 1, Heads: 1, Embedding: 8, ContextLength: 8, VocabularySize: 256));
        string directory = Path.Combine(Path.GetTempPath(), "actorai-bench-dashboard");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "tiny.safetensors");
        GptCheckpoint.Save(model, path, metadata: new Dictionary<string, string> { ["actorai.tokenizer"] = "byte" });
        return path;
    }
}
