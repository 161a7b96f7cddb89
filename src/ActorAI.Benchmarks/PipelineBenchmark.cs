using System.Diagnostics;
using System.Globalization;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static ActorAI.Benchmarks.ServingBenchmark;

namespace ActorAI.Benchmarks;

/// <summary>
/// Pipeline-parallel serving on one host: the same model (random weights) deployed whole and split into 2 and 4 model
/// shards on an in-process silo, in alternating rounds. Prints tokens/s and TTFT per split, bytes/s between the stages,
/// and last the headline: pipeline (S=2) tokens/s ÷ unsplit.
/// </summary>
internal static class PipelineBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string preset = Arg(args, "--preset") ?? "medium";
        int context = Int(args, "--context", 1024);
        int concurrency = Int(args, "--concurrency", 8);
        int requests = Int(args, "--requests", 16);
        int tokens = Int(args, "--tokens", 64);
        int rounds = Int(args, "--rounds", 3);
        int[] splits = [.. (Arg(args, "--stages") ?? "1,2,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

        GptConfig config = GptConfig.Preset(preset, 256) with { ContextLength = context };
        string dir = Directory.CreateTempSubdirectory("actorai-bench-pipeline-").FullName;
        string checkpoint = Path.Combine(dir, "model.safetensors");
        using (Gpt model = Gpt.Create(config, seed: 1))
        {
            GptCheckpoint.Save(model, checkpoint, metadata: new Dictionary<string, string> { ["actorai.tokenizer"] = "byte" });
        }
        double peak = MatmulPeak.Measure(ComputeDevice.Select()).Max();
        Print("preset", preset);
        Print("parameters", config.ParameterCount());
        Print("context", context);
        Print("concurrency", concurrency);
        Print("requests", requests);
        Print("tokens_per_request", tokens);
        Print("matmul_peak_gflops", peak / 1e9);

        string data = await TrainingBenchmark.PrepareSyntheticAsync();
        (WebApplication app, _) = await BenchSilo.StartHostAsync([dir, Path.GetDirectoryName(Path.GetFullPath(data))!]);
        try
        {
            ActorAIClient client = app.Services.GetRequiredService<ActorAIClient>();
            await client.ImportModelAsync("bench-pipeline", checkpoint);
            foreach (int stages in splits)
            {
                await client.DeployAsync(Name(stages), new DeploymentSpec { Model = "bench-pipeline", Stages = stages, MaxBatch = 32, MaxQueue = 64 });
                await client.WaitForDeploymentAsync(Name(stages), TimeSpan.FromMinutes(5));
                await RunLoadAsync(client, Name(stages), concurrency, concurrency, 8); // warm-up
            }
            var rates = splits.ToDictionary(s => s, _ => new List<double>());
            var ttfts = splits.ToDictionary(s => s, _ => new List<double>());
            var bytesPerSecond = splits.ToDictionary(s => s, _ => new List<double>());
            for (int round = 1; round <= rounds; round++)
            {
                foreach (int stages in splits)
                {
                    long before = await StageBytesAsync(client, Name(stages));
                    var watch = Stopwatch.StartNew();
                    (double rate, List<double> ttft) = await RunLoadAsync(client, Name(stages), concurrency, requests, tokens);
                    double seconds = watch.Elapsed.TotalSeconds;
                    long bytes = await StageBytesAsync(client, Name(stages)) - before;
                    rates[stages].Add(rate);
                    ttfts[stages].AddRange(ttft);
                    bytesPerSecond[stages].Add(bytes / seconds);
                    Print($"tokens_per_s_s{stages}_r{round}", rate);
                }
            }
            foreach (int stages in splits)
            {
                Percentiles ttft = Percentiles.Of(ttfts[stages]);
                double median = Median(rates[stages]);
                Print($"tokens_per_s_s{stages}", median);
                Print($"tokens_per_s_s{stages}_spread", $"{rates[stages].Min().ToString("0.#", CultureInfo.InvariantCulture)}..{rates[stages].Max().ToString("0.#", CultureInfo.InvariantCulture)}");
                Print($"ttft_ms_s{stages}_p50", ttft.P50);
                Print($"ttft_ms_s{stages}_p99", ttft.P99);
                Print($"flops_fraction_of_peak_s{stages}", 2.0 * config.ParameterCount() * median / peak);
                if (stages > 1)
                {
                    Print($"stage_mb_per_s_s{stages}", Median(bytesPerSecond[stages]) / 1e6);
                }
            }
            await TrainingBubbleAsync(client, data, args);
            if (splits.Contains(1))
            {
                foreach (int stages in splits.Where(s => s > 1))
                {
                    double[] ratios = [.. rates[stages].Zip(rates[1], (p, u) => p / u)];
                    Print($"ratio_s{stages}_over_unsplit_spread", $"{ratios.Min().ToString("0.###", CultureInfo.InvariantCulture)}..{ratios.Max().ToString("0.###", CultureInfo.InvariantCulture)}");
                }
                if (splits.Contains(2))
                {
                    Print("ratio_pipeline_s2_over_unsplit", Median([.. rates[2].Zip(rates[1], (p, u) => p / u)]));
                }
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static string Name(int stages) => $"bench-s{stages}";

    // GPipe training on the same silo: the measured bubble (the stages' idle share of the compute phase) against the
    // formula (S - 1) / (M + S - 1), and tokens/s against the same job unsplit.
    private static async Task TrainingBubbleAsync(ActorAIClient client, string data, string[] args)
    {
        string preset = Arg(args, "--train-preset") ?? "small";
        int steps = Int(args, "--train-steps", 8);
        int rows = Int(args, "--train-rows", 16);
        int micro = Int(args, "--micro-batches", 8);
        Print("train_preset", preset);
        Print("train_rows", rows);
        Print("micro_batches", micro);
        double? unsplit = null;
        foreach (int stages in (int[])[1, 2, 4])
        {
            var spec = new TrainingJobSpec(preset, Path.GetFullPath(data), steps, rows, Workers: 1, ParameterShards: 2, CheckpointInterval: 0,
                WarmupSteps: 1, Stages: stages, MicroBatches: stages > 1 ? micro : null);
            ITrainingJobGrain job = client.Cluster.GetGrain<ITrainingJobGrain>($"bench-pipe-{stages}-{Guid.NewGuid():N}");
            await job.SubmitAsync(spec);
            TrainingJobInfo info;
            while ((info = await job.GetAsync()).Status is TrainingJobStatus.Running or TrainingJobStatus.Pending)
            {
                await Task.Delay(250); // polling a job's status, as the CLI does
            }
            if (info.Status != TrainingJobStatus.Succeeded)
            {
                throw new InvalidOperationException($"the {stages}-stage job ended {info.Status}: {info.Reason}");
            }
            TrainingMetrics[] measured = [.. (await job.GetMetricsAsync(0, 10_000)).Skip(2)]; // the first steps build the stages
            double rate = Median([.. measured.Select(m => m.TokensPerSecond)]);
            Print($"train_tokens_per_s_s{stages}", rate);
            unsplit ??= rate;
            if (stages > 1)
            {
                Print($"train_bubble_s{stages}", Median([.. measured.Select(m => m.BubbleFraction ?? double.NaN)]));
                Print($"train_bubble_gpipe_s{stages}", (stages - 1.0) / (micro + stages - 1.0));
                Print($"train_ratio_s{stages}_over_unsplit", rate / unsplit.Value);
            }
        }
    }

    private static async Task<long> StageBytesAsync(ActorAIClient client, string deployment)
    {
        DeploymentInfo info = (await client.GetDeploymentAsync(deployment))!;
        long total = 0;
        foreach (ReplicaInfo replica in info.Replicas)
        {
            total += (await client.Cluster.GetGrain<IReplicaGrain>(replica.Id).GetLoadAsync()).StageBytes;
        }
        return total;
    }

    // requests streamed requests, concurrency at a time; tokens/s over the whole run and each request's TTFT (ms).
    private static async Task<(double Rate, List<double> Ttft)> RunLoadAsync(ActorAIClient client, string deployment, int concurrency, int requests, int tokens)
    {
        var ttft = new List<double>();
        int next = 0;
        long generated = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int taken;
            while ((taken = Interlocked.Increment(ref next)) <= requests)
            {
                var request = new GenerationRequest(
                    $"request {taken}: " + new string((char)('a' + (taken % 26)), 100),
                    new GenerationParameters(MaxTokens: tokens, Temperature: 0, IgnoreEos: true));
                var clock = Stopwatch.StartNew();
                bool first = true;
                int count = 0;
                await foreach (GenerationChunk chunk in client.GenerateStreamingAsync(deployment, request))
                {
                    if (first && chunk.CompletionTokens > 0)
                    {
                        lock (ttft)
                        {
                            ttft.Add(clock.Elapsed.TotalMilliseconds);
                        }
                        first = false;
                    }
                    count = chunk.CompletionTokens;
                }
                Interlocked.Add(ref generated, count);
            }
        }));
        return (generated / watch.Elapsed.TotalSeconds, ttft);
    }

    private static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Arg(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
