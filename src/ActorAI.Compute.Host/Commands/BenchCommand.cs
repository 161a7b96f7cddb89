using ActorAI.Data;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;
using ActorAI.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Host.Commands;

/// <summary>
/// <c>actorai-compute bench</c>: the compute benchmark. Prints <c>key=value</c> lines, the headline figure last. All
/// ratios are measured in the same run.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "LibTorch intra-op threads (0: all cores).", DefaultValueFactory = _ => 0 };
        var trainSteps = new Option<int>("--train-steps") { Description = "Measured training steps per model.", DefaultValueFactory = _ => 20 };
        var rssSteps = new Option<int>("--rss-steps") { Description = "Training steps of the memory run.", DefaultValueFactory = _ => 300 };
        var genTokens = new Option<int>("--gen-tokens") { Description = "Tokens generated per sequence (after a 16-token prompt).", DefaultValueFactory = _ => 128 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var only = new Option<string?>("--only") { Description = "Run one section: train, generate or memory (default: all)." };
        var command = new Command("bench", "Compute benchmark: matmul peak, training tokens/s and MFU, generation with/without KV cache, memory.")
        {
            threads, trainSteps, rssSteps, genTokens, device, only,
        };
        command.SetAction(parse =>
        {
            int t = parse.GetValue(threads);
            ComputeDevice.SetIntraOpThreads(t > 0 ? t : Environment.ProcessorCount);
            Device target = ComputeDevice.Select(parse.GetValue(device));
            Print("device", target.ToString());
            Print("threads", torch.get_num_threads());

            string? section = parse.GetValue(only);
            if (section == "generate")
            {
                Print("kv_speedup_b1", GenerationSection(target, parse.GetValue(genTokens)).SpeedupB1);
                return 0;
            }
            if (section == "memory")
            {
                Print("rss_growth_pct", Memory(parse.GetValue(rssSteps), target));
                return 0;
            }
            double rssGrowth = Memory(parse.GetValue(rssSteps), target);
            double peak = MatmulPeak(target);
            Print("matmul_peak_gflops", peak / 1e9);

            var (_, tinyMfu) = Train("tiny", 128, 16, parse.GetValue(trainSteps), peak, target);
            var (_, smallMfu) = Train("small", 256, 16, parse.GetValue(trainSteps), peak, target);
            if (section == "train")
            {
                Print("mfu_small", smallMfu);
                return 0;
            }
            (double speedupB1, _) = GenerationSection(target, parse.GetValue(genTokens));
            // A second peak measurement after the work: the machine is shared, so keep the better estimate.
            double peakAfter = MatmulPeak(target);
            if (peakAfter > peak)
            {
                Print("matmul_peak_gflops", peakAfter / 1e9);
                tinyMfu *= peak / peakAfter;
                smallMfu *= peak / peakAfter;
            }
            Print("rss_growth_pct", rssGrowth);

            Print("train_tiny_mfu", tinyMfu);
            Print("kv_speedup_b1", speedupB1);
            Print("mfu_small", smallMfu);
            return 0;
        });
        return command;
    }

    private static (double SpeedupB1, double SpeedupB8) GenerationSection(Device target, int tokens)
    {
        {
            double b1Naive = Generation(target, 1, tokens, cached: false);
            double b1Cached = Generation(target, 1, tokens, cached: true);
            double b8Naive = Generation(target, 8, tokens, cached: false);
            double b8Cached = Generation(target, 8, tokens, cached: true);
            Print("gen_b1_nocache_tokens_per_s", b1Naive);
            Print("gen_b1_cache_tokens_per_s", b1Cached);
            Print("gen_b8_nocache_tokens_per_s", b8Naive);
            Print("gen_b8_cache_tokens_per_s", b8Cached);
            Print("kv_speedup_b8", b8Cached / b8Naive);
            return (b1Cached / b1Naive, b8Cached / b8Naive);
        }
    }

    // The best of MatmulPeak's sizes, each printed.
    private static double MatmulPeak(Device device)
    {
        double[] rates = ActorAI.Compute.Devices.MatmulPeak.Measure(device);
        for (int i = 0; i < rates.Length; i++)
        {
            Print($"matmul_{ActorAI.Compute.Devices.MatmulPeak.Sizes[i]}_gflops", rates[i] / 1e9);
        }
        return rates.Max();
    }

    private static (double TokensPerSecond, double Mfu) Train(string preset, int blockSize, int rows, int steps, double peak, Device device)
    {
        torch.manual_seed(1);
        GptConfig config = GptConfig.Preset(preset, 256);
        using var model = new Gpt(config, device);
        var data = new RandomTokenData(blockSize, rows, 256);
        var rates = new List<double>();
        var options = new TrainingOptions
        {
            Steps = steps + 3, MicroBatchRows = rows, WarmupSteps = 1, EvalInterval = 0, EvalBatches = 1,
            IntraOpThreads = torch.get_num_threads(),
        };
        ReferenceTrainer.Run(model, data, options, new SynchronousProgress<TrainingProgress>(p => { if (p.Step > 3) { rates.Add(p.TokensPerSecond); } }));
        double tps = Median(rates);
        double mfu = 6.0 * config.ParameterCount() * tps / peak;
        Print($"train_{preset}_params", config.ParameterCount());
        Print($"train_{preset}_tokens_per_s", tps);
        Print($"train_{preset}_step_ms", blockSize * rows / tps * 1000);
        Print($"train_{preset}_mfu", mfu);
        return (tps, mfu);
    }

    private static double Generation(Device device, int batch, int tokens, bool cached)
    {
        torch.manual_seed(2);
        using var model = new Gpt(GptConfig.Preset("small", 256), device);
        var rng = new Random(5);
        long[][] prompts = [.. Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, 16).Select(_ => (long)rng.Next(1, 256)).ToArray())];
        Run(4); // warm-up: JIT and first-call costs stay out of the measurement
        var clock = Stopwatch.StartNew();
        Run(tokens);
        return batch * tokens / clock.Elapsed.TotalSeconds;

        void Run(int count)
        {
            if (!cached)
            {
                NaiveGenerator.Generate(model, prompts, count, SamplingOptions.Greedy(count));
                return;
            }
            using var generator = new BatchedGenerator(model, new NoEndTokenizer(), batch);
            foreach (long[] p in prompts)
            {
                generator.Submit([.. p.Select(x => (int)x)], SamplingOptions.Greedy(count));
            }
            while (generator.HasWork)
            {
                generator.Step();
            }
        }
    }

    // RSS (after a full collection) every 10 steps from step N/3. The allocator makes it a saw-tooth, so flatness
    // compares the peak of steps 2N/3..N with the peak of steps N/3..2N/3 (100-200 vs 200-300 for 300 steps).
    private static double Memory(int steps, Device device)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        torch.manual_seed(3);
        using var model = new Gpt(GptConfig.Preset("small", 256), device);
        var data = new RandomTokenData(256, 16, 256);
        int first = steps / 3, middle = 2 * steps / 3;
        var samples = new List<(long Step, long Rss)>();
        var options = new TrainingOptions { Steps = steps, MicroBatchRows = 16, WarmupSteps = 10, EvalInterval = 0, EvalBatches = 1, IntraOpThreads = torch.get_num_threads() };
        ReferenceTrainer.Run(model, data, options, new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Step >= first && p.Step % 10 == 0)
            {
                samples.Add((p.Step, SettledResidentBytes()));
            }
        }));
        double earlier = samples.Where(x => x.Step <= middle).Max(x => x.Rss);
        double later = samples.Where(x => x.Step > middle).Max(x => x.Rss);
        Print($"rss_peak_steps_{first}_{middle}_mib", earlier / 1048576.0);
        Print($"rss_peak_steps_{middle}_{steps}_mib", later / 1048576.0);
        Print("rss_process_peak_mib", ResidentBytes("VmHWM") / 1048576.0);
        double growth = (later - earlier) * 100.0 / earlier;
        Print("rss_growth_pct", growth);
        return growth;
    }

    private static long SettledResidentBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return ResidentBytes("VmRSS");
    }

    private static long ResidentBytes(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count == 0 ? 0 : values[values.Count / 2];
    }

    private static void Print(string key, object value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : value)}"));


    /// <summary>Uniform random tokens: the benchmark measures speed, not learning.</summary>
    private sealed class RandomTokenData(int blockSize, int rows, int vocabulary) : ITrainingData
    {
        public int BlockSize => blockSize;
        public int GlobalBatchRows => rows;
        public double ValidationBytesPerToken => 1;

        public TokenBatch GetBatch(long step, int rank, int worldSize)
        {
            var rng = new Random(HashCode.Combine(step, rank, worldSize));
            int n = rows / worldSize;
            int[] inputs = [.. Enumerable.Range(0, n * blockSize).Select(_ => rng.Next(vocabulary))];
            int[] targets = [.. Enumerable.Range(0, n * blockSize).Select(_ => rng.Next(vocabulary))];
            return new TokenBatch(step, 0, blockSize, inputs, targets, new long[n]);
        }

        public IEnumerable<TokenBatch> ValidationBatches(int batchRows, int maxBatches) => [GetBatch(-1, 0, rows / batchRows)];
    }

    /// <summary>The byte vocabulary with no reachable end-of-text id, so every sequence runs its full length.</summary>
    private sealed class NoEndTokenizer : ITextTokenizer
    {
        public string Spec => "bench";
        public int VocabularySize => 256;
        public int EndOfTextId => -1;
        public ChatRoleTokens? RoleTokens => ByteTokenizer.Instance.RoleTokens;
        public int[] Encode(string text) => ByteTokenizer.Instance.Encode(text);
        public byte[] DecodeBytes(ReadOnlySpan<int> ids) => ByteTokenizer.Instance.DecodeBytes(ids);
        public string Decode(ReadOnlySpan<int> ids) => ByteTokenizer.Instance.Decode(ids);
    }
}
