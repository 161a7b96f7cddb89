using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Grains.Diagnostics;
using ActorAI.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorAI.Benchmarks;

/// <summary>
/// The same model, data, global batch and threads through (a) the reference loop and (b) a job of 2 trainers and 2
/// parameter shards on one in-process silo, started once. Each round runs (a), then (b), then the reference loop at the
/// trainers' own micro-batch (global batch ÷ workers rows per step: what one trainer computes, the strongest baseline
/// for the compute phase). Prints key=value lines per round, the medians, MFU against the matmul peak measured in the
/// run, and last the median ratio b/a.
/// </summary>
internal static class TrainingBenchmark
{
    private const int Workers = 2;
    private const int Shards = 2;
    private const long Seed = 1337; // the job's default seed

    public static async Task<int> RunAsync(string[] args)
    {
        string data = Arg(args, "--data") ?? await PrepareSyntheticAsync();
        int steps = Int(args, "--steps", 30);
        int rounds = Int(args, "--rounds", 3);
        int warmup = Int(args, "--warmup", 2);
        string preset = Arg(args, "--preset") ?? "small";
        int batch = Int(args, "--global-batch", 16);
        int threads = Int(args, "--threads", Environment.ProcessorCount);
        if (steps < 1 || rounds < 1 || warmup < 1 || batch < Workers || batch % Workers != 0)
        {
            throw new ArgumentException($"--steps and --rounds must be >= 1, --warmup >= 1, --global-batch a multiple of {Workers} (was {steps}, {rounds}, {warmup}, {batch})");
        }
        data = Path.GetFullPath(data);
        DatasetManifest manifest = DatasetManifest.Load(data);
        long parameters = GptConfig.Preset(preset, manifest.VocabularySize).ParameterCount();
        int micro = batch / Workers;
        ComputeDevice.SetIntraOpThreads(threads); // before the silo: its compute lanes take this as their default
        Print("preset", preset);
        Print("parameters", parameters);
        Print("global_batch_rows", batch);
        Print("micro_batch_rows", micro);
        Print("workers", Workers);
        Print("shards", Shards);
        Print("threads", threads);
        Print("rounds", rounds);
        Print("steps_measured", steps);
        double peak = MatmulPeak.Measure(ComputeDevice.Select()).Max();

        using var clock = new StepClock();
        await using var silo = await BenchSilo.StartAsync(data, threads);
        var reference = new List<double>();
        var referenceMicro = new List<double>();
        var distributed = new List<double>();
        var measured = new List<TrainingMetrics>();
        var stepMs = new List<double>();
        var bookkeepingMs = new List<double>();
        var referenceStepMs = new List<double>();
        double exchangeBytes = 0, exchangeSeconds = 0;
        for (int r = 1; r <= rounds; r++)
        {
            (double refRate, IReadOnlyList<double> refSteps) = Reference(data, preset, batch, warmup + steps, warmup, threads);
            reference.Add(refRate);
            referenceStepMs.AddRange(refSteps);
            Print($"reference_tokens_per_s_r{r}", refRate);

            var spec = new TrainingJobSpec(preset, data, warmup + steps, batch, Workers, Shards, CheckpointInterval: 0,
                LearningRate: 1e-3, MinLearningRate: 1e-4, WarmupSteps: 1, IntraOpThreads: threads, Seed: Seed);
            (IReadOnlyList<TrainingMetrics> roundMetrics, IReadOnlyList<double> roundMs) = await silo.TrainAsync(spec, warmup, clock);
            double seconds = roundMs.Sum() / 1000;
            double rate = roundMs.Count * (double)batch * manifest.BlockSize / seconds;
            distributed.Add(rate);
            stepMs.AddRange(roundMs);
            bookkeepingMs.AddRange(roundMs.Zip(roundMetrics, (wall, m) => wall - batch * manifest.BlockSize / m.TokensPerSecond * 1000));
            measured.AddRange(roundMetrics);
            exchangeBytes += roundMetrics.Sum(m => (double)m.ExchangeBytes);
            exchangeSeconds += seconds;
            Print($"distributed_tokens_per_s_r{r}", rate);
            Print($"ratio_r{r}", rate / refRate);

            (double microRate, _) = Reference(data, preset, micro, warmup + steps, warmup, threads);
            referenceMicro.Add(microRate);
            Print($"reference_micro_tokens_per_s_r{r}", microRate);
        }
        peak = Math.Max(peak, MatmulPeak.Measure(ComputeDevice.Select()).Max()); // shared machine: keep the better estimate

        double[] ratios = [.. distributed.Zip(reference, (d, a) => d / a)];
        double computeMs = Median(measured.Select(m => m.ComputeMs));
        double computeRate = (double)batch * manifest.BlockSize / (computeMs / 1000);
        double Mfu(double tokensPerSecond) => 6.0 * parameters * tokensPerSecond / peak;
        Print("matmul_peak_gflops", peak / 1e9);
        Print("reference_tokens_per_s_median", Median(reference));
        Print("reference_micro_tokens_per_s_median", Median(referenceMicro));
        Print("distributed_tokens_per_s_median", Median(distributed));
        Print("reference_step_ms_median", Median(referenceStepMs));
        Print("distributed_step_ms_median", Median(stepMs));
        Print("distributed_between_steps_ms_median", Median(bookkeepingMs)); // wall time the job's own step time leaves out
        // The fastest step of each: other load on a shared machine only adds time, so this is the least disturbed pair.
        Print("reference_step_ms_min", referenceStepMs.Min());
        Print("distributed_step_ms_min", stepMs.Min());
        Print("ratio_best_step", referenceStepMs.Min() / stepMs.Min());
        Print("exchange_bytes_per_s", exchangeBytes / exchangeSeconds);
        Print("phase_pull_ms_median", Median(measured.Select(m => m.PullMs)));
        Print("phase_compute_ms_median", computeMs);
        Print("phase_push_ms_median", Median(measured.Select(m => m.PushMs)));
        Print("phase_apply_ms_median", Median(measured.Select(m => m.ApplyMs)));
        // The compute phase covers every trainer's forward/backward of the global batch (the lanes may run them in
        // turn); as a rate it compares with the reference loop doing the trainers' micro-batches one after another.
        Print("compute_phase_tokens_per_s", computeRate);
        Print("ratio_compute_over_reference_micro", computeRate / Median(referenceMicro));
        Print("mfu_reference", Mfu(Median(reference)));
        Print("mfu_reference_micro", Mfu(Median(referenceMicro)));
        Print("mfu_distributed", Mfu(Median(distributed)));
        Print("mfu_compute_phase", Mfu(computeRate));
        Print("ratio_distributed_over_reference_min", ratios.Min());
        Print("ratio_distributed_over_reference_max", ratios.Max());
        Print("ratio_distributed_over_reference_median", Median(ratios));
        return 0;
    }

    /// <summary>The reference loop for <paramref name="steps"/> steps of <paramref name="rows"/> rows; tokens/s over the steps after the warm-up, and each of their times.</summary>
    private static (double TokensPerSecond, IReadOnlyList<double> StepMs) Reference(string data, string preset, int rows, int steps, int warmup, int threads)
    {
        using var dataset = new DatasetTrainingData(data, rows, (ulong)Seed);
        using var model = Gpt.Create(GptConfig.Preset(preset, dataset.Manifest.VocabularySize), seed: Seed);
        var stepMs = new List<double>();
        long tokensPerStep = (long)rows * dataset.BlockSize;
        ReferenceTrainer.Run(model, dataset, new TrainingOptions
        {
            Steps = steps, MicroBatchRows = rows, WarmupSteps = 1, EvalInterval = 0, EvalBatches = 1, IntraOpThreads = threads, Seed = Seed,
        }, new SynchronousProgress<TrainingProgress>(p => { if (p.Step > warmup) stepMs.Add(tokensPerStep / p.TokensPerSecond * 1000); }));
        return (stepMs.Count * tokensPerStep / (stepMs.Sum() / 1000), stepMs);
    }

    /// <summary>When each job step ended (the job's "training step" span), by job id.</summary>
    internal sealed class StepClock : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentDictionary<string, ConcurrentQueue<(long Step, DateTime End)>> _ends = new();

        public StepClock()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == ActorAITelemetry.TrainingSource,
                // Only the job's step span: the trainers' and shards' spans stay unsampled, as without a listener.
                Sample = (ref ActivityCreationOptions<ActivityContext> o) => o.Name == "training step" ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
                ActivityStopped = a =>
                {
                    if (a.OperationName == "training step" && a.GetTagItem("actorai.job") is string job && a.GetTagItem("actorai.step") is long step)
                    {
                        _ends.GetOrAdd(job, _ => new()).Enqueue((step, a.StartTimeUtc + a.Duration));
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>
        /// The wall time of each step after the first <paramref name="warmup"/> (≥ 1): from the end of the step before to
        /// its own end, so the job's bookkeeping between steps (metrics page, state, timer) counts, as the reference
        /// loop's would.
        /// </summary>
        public IReadOnlyList<double> WallMs(string job, int steps, int warmup)
        {
            (long Step, DateTime End)[] ends = [.. (_ends.TryGetValue(job, out var q) ? q : []).OrderBy(e => e.Step)];
            if (ends.Length != steps || ends.Where((e, i) => e.Step != i).Any())
            {
                throw new InvalidOperationException($"job {job} reported {ends.Length} step spans for {steps} steps (a step was retried?)");
            }
            return [.. Enumerable.Range(warmup, steps - warmup).Select(i => (ends[i].End - ends[i - 1].End).TotalMilliseconds)];
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>One in-process silo with the training role, started once for every round.</summary>
    private sealed class BenchSilo(IHost host) : IAsyncDisposable
    {
        public static async Task<BenchSilo> StartAsync(string data, int threads)
        {
            string artifacts = Path.Combine(Path.GetTempPath(), "actorai-bench-artifacts");
            IHost host = Host.CreateDefaultBuilder()
                .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
                .UseOrleans(silo => silo
                    .UseLocalhostClustering(siloPort: 11911, gatewayPort: 30911)
                    .AddMemoryGrainStorage(ProviderNames.GrainStorage)
                    .UseInMemoryReminderService()
                    .AddActorAI(new SiloResources(Environment.ProcessorCount, 0, 0, 0, ["train"]), artifacts, [Path.GetDirectoryName(data)!]))
                .Build();
            await host.StartAsync();
            return new BenchSilo(host);
        }

        /// <summary>Runs a job to its end; the metrics and wall times (<see cref="StepClock.WallMs"/>) of the steps after the warm-up.</summary>
        public async Task<(IReadOnlyList<TrainingMetrics> Metrics, IReadOnlyList<double> WallMs)> TrainAsync(TrainingJobSpec spec, int warmup, StepClock clock)
        {
            IGrainFactory grains = host.Services.GetRequiredService<IGrainFactory>();
            string id = $"bench-{Guid.NewGuid():N}";
            ITrainingJobGrain job = grains.GetGrain<ITrainingJobGrain>(id);
            await job.SubmitAsync(spec);
            TrainingJobInfo info = await job.GetAsync();
            while (info.Status == TrainingJobStatus.Running)
            {
                await Task.Delay(100);
                info = await job.GetAsync();
            }
            if (info.Status != TrainingJobStatus.Succeeded)
            {
                throw new InvalidOperationException($"the benchmark job ended {info.Status}: {info.Reason}");
            }
            IReadOnlyList<TrainingMetrics> metrics = await job.GetMetricsAsync(0, 10_000);
            if (metrics.Count != spec.Steps)
            {
                throw new InvalidOperationException($"the benchmark job recorded {metrics.Count} steps of {spec.Steps}");
            }
            return ([.. metrics.Skip(warmup)], clock.WallMs(id, spec.Steps, warmup));
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    internal static async Task<string> PrepareSyntheticAsync()
    {
        string root = Path.Combine(Path.GetTempPath(), "actorai-bench-data");
        string output = Path.Combine(root, "prepared");
        if (File.Exists(Path.Combine(output, "manifest.json")))
        {
            return output;
        }
        Directory.CreateDirectory(Path.Combine(root, "text"));
        var rng = new Random(3);
        using (var writer = new StreamWriter(Path.Combine(root, "text", "corpus.txt")))
        {
            for (int doc = 0; doc < 4000; doc++)
            {
                for (int c = 0; c < 400; c++)
                {
                    writer.Write((char)('a' + rng.Next(26)));
                }
                writer.Write("\n%\n");
            }
        }
        await new DataPreparer().RunAsync(new DataPreparationOptions
        {
            InputPaths = [Path.Combine(root, "text")], OutputDirectory = output, DocumentMode = TextDocumentMode.Separator, BlockSize = 256,
        }, null, CancellationToken.None);
        return output;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Arg(args, name) is string s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    private static void Print(string key, object value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : value)}"));
}
