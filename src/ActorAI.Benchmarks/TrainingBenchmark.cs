using ActorAI.Data;
using System.Diagnostics;
using System.Globalization;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.Preparation;
using ActorAI.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace ActorAI.Benchmarks;

/// <summary>
/// The same model, data and global batch through (a) the reference loop and (b) a job of 2 trainers and 2 parameter
/// shards on one in-process silo. Prints key=value lines; the ratio b/a last.
/// </summary>
internal static class TrainingBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? data = Arg(args, "--data");
        int steps = int.Parse(Arg(args, "--steps") ?? "12", CultureInfo.InvariantCulture);
        string preset = Arg(args, "--preset") ?? "small";
        int batch = int.Parse(Arg(args, "--global-batch") ?? "16", CultureInfo.InvariantCulture);
        int threads = int.Parse(Arg(args, "--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        const int Warmup = 2;
        data ??= await PrepareSyntheticAsync();
        ComputeDevice.SetIntraOpThreads(threads);
        Print("preset", preset);
        Print("global_batch_rows", batch);
        Print("threads", threads);
        Print("steps_measured", steps - Warmup);

        double reference = Reference(data, preset, batch, steps, Warmup, threads);
        Print("reference_tokens_per_s", reference);

        var spec = new TrainingJobSpec(preset, Path.GetFullPath(data), steps, batch, Workers: 2, ParameterShards: 2,
            LearningRate: 1e-3, MinLearningRate: 1e-4, WarmupSteps: 1, IntraOpThreads: threads);
        IReadOnlyList<TrainingMetrics> metrics = await DistributedAsync(spec);
        TrainingMetrics[] measured = [.. metrics.Skip(Warmup)];
        double seconds = measured.Sum(m => (double)spec.GlobalBatchRows * BlockSize(data) / m.TokensPerSecond);
        double distributed = measured.Length * (double)spec.GlobalBatchRows * BlockSize(data) / seconds;
        Print("distributed_tokens_per_s", distributed);
        Print("exchange_bytes_per_s", measured.Sum(m => (double)m.ExchangeBytes) / seconds);
        Print("phase_pull_ms", measured.Average(m => m.PullMs));
        Print("phase_compute_ms", measured.Average(m => m.ComputeMs));
        Print("phase_push_ms", measured.Average(m => m.PushMs));
        Print("phase_apply_ms", measured.Average(m => m.ApplyMs));
        Print("step_ms", seconds * 1000 / measured.Length);
        Print("ratio_distributed_over_reference", distributed / reference);
        return 0;
    }

    private static double Reference(string data, string preset, int batch, int steps, int warmup, int threads)
    {
        using var dataset = new DatasetTrainingData(data, batch, 1337);
        using var model = Gpt.Create(GptConfig.Preset(preset, dataset.Manifest.VocabularySize), seed: 1337); // the job's default seed
        var rates = new List<double>();
        ReferenceTrainer.Run(model, dataset, new TrainingOptions
        {
            Steps = steps, MicroBatchRows = batch, WarmupSteps = 1, EvalInterval = 0, EvalBatches = 1, IntraOpThreads = threads,
        }, new SynchronousProgress<TrainingProgress>(p => { if (p.Step > warmup) rates.Add(p.TokensPerSecond); }));
        return rates.Count / rates.Sum(r => 1 / r);
    }

    private static async Task<IReadOnlyList<TrainingMetrics>> DistributedAsync(TrainingJobSpec spec)
    {
        string artifacts = Path.Combine(Path.GetTempPath(), "actorai-bench-artifacts");
        using IHost host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
            .UseOrleans(silo => silo
                .UseLocalhostClustering(siloPort: 11911, gatewayPort: 30911)
                .AddMemoryGrainStorage(ProviderNames.GrainStorage)
                .UseInMemoryReminderService()
                .AddActorAI(new SiloResources(Environment.ProcessorCount, 0, 0, 0, ["train"]), artifacts, [Path.GetDirectoryName(Path.GetFullPath(spec.Dataset))!]))
            .Build();
        await host.StartAsync();
        IGrainFactory grains = host.Services.GetRequiredService<IGrainFactory>();
        ITrainingJobGrain job = grains.GetGrain<ITrainingJobGrain>($"bench-{Guid.NewGuid():N}");
        await job.SubmitAsync(spec);
        TrainingJobInfo info = await job.GetAsync();
        while (info.Status == TrainingJobStatus.Running)
        {
            await Task.Delay(200);
            info = await job.GetAsync();
        }
        if (info.Status != TrainingJobStatus.Succeeded)
        {
            throw new InvalidOperationException($"the benchmark job ended {info.Status}: {info.Reason}");
        }
        IReadOnlyList<TrainingMetrics> metrics = await job.GetMetricsAsync(0, 10_000);
        await host.StopAsync();
        return metrics;
    }

    private static int BlockSize(string data) => ActorAI.Data.Datasets.DatasetManifest.Load(data).BlockSize;

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

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static void Print(string key, object value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : value)}"));

}
