using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Host.Commands;

/// <summary><c>actorai-compute train</c>: the reference training loop on a prepared dataset.</summary>
internal static class TrainCommand
{
    /// <summary>Checkpoint metadata key of the tokenizer spec the model was trained with.</summary>
    public const string TokenizerKey = "actorai.tokenizer";

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Prepared dataset directory (or its manifest.json).", Required = true };
        var preset = new Option<string>("--preset") { Description = $"Model preset: {string.Join(", ", GptConfig.PresetNames)}.", DefaultValueFactory = _ => "small" };
        var init = new Option<string?>("--init") { Description = "Fine-tune: start from this checkpoint's weights (its configuration wins over --preset)." };
        var resume = new Option<string?>("--resume") { Description = "Continue a run from this checkpoint (weights, optimizer state and step)." };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 1000 };
        var minutes = new Option<double>("--minutes") { Description = "Instead of --steps: fit the run into this many minutes (measured on this machine)." };
        var micro = new Option<int>("--micro-batch") { Description = "Rows per forward/backward.", DefaultValueFactory = _ => 16 };
        var accumulation = new Option<int>("--accumulation") { Description = "Micro-batches per step.", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
        var minLr = new Option<double>("--min-lr") { Description = "Final learning rate.", DefaultValueFactory = _ => 1e-4 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up steps.", DefaultValueFactory = _ => 100 };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 0.1 };
        var dropout = new Option<double>("--dropout") { DefaultValueFactory = _ => 0.0 };
        var clip = new Option<double>("--clip") { Description = "Gradient-norm clip (0: off).", DefaultValueFactory = _ => 1.0 };
        var evalInterval = new Option<int>("--eval-interval") { DefaultValueFactory = _ => 100 };
        var evalBatches = new Option<int>("--eval-batches") { DefaultValueFactory = _ => 20 };
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = "Write checkpoints here." };
        var checkpointInterval = new Option<int>("--checkpoint-interval") { DefaultValueFactory = _ => 0 };
        var freeze = new Option<int>("--freeze-layers") { Description = "Fine-tuning: keep the embeddings and the first N blocks frozen." };
        var threads = new Option<int>("--threads") { Description = "LibTorch intra-op threads (0: default).", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1337 };
        var command = new Command("train", "Train a GPT with the reference loop on a prepared dataset.")
        {
            data, preset, init, resume, steps, minutes, micro, accumulation, lr, minLr, warmup, weightDecay, dropout, clip,
            evalInterval, evalBatches, checkpointDir, checkpointInterval, freeze, threads, device, seed,
        };
        command.SetAction((parse, ct) =>
        {
            ComputeDevice.SetIntraOpThreads(parse.GetValue(threads));
            Device target = ComputeDevice.Select(parse.GetValue(device));
            var options = new TrainingOptions
            {
                Steps = parse.GetValue(steps),
                MicroBatchRows = parse.GetValue(micro),
                GradientAccumulation = parse.GetValue(accumulation),
                LearningRate = parse.GetValue(lr),
                MinLearningRate = parse.GetValue(minLr),
                WarmupSteps = Math.Min(parse.GetValue(warmup), parse.GetValue(steps)),
                Optimizer = new AdamWSettings(WeightDecay: parse.GetValue(weightDecay)),
                GradientClip = parse.GetValue(clip),
                EvalInterval = parse.GetValue(evalInterval),
                EvalBatches = parse.GetValue(evalBatches),
                CheckpointDirectory = parse.GetValue(checkpointDir),
                CheckpointInterval = parse.GetValue(checkpointInterval),
                FrozenLayers = parse.GetValue(freeze),
                IntraOpThreads = parse.GetValue(threads),
                Seed = parse.GetValue(seed),
            };
            using var dataset = new DatasetTrainingData(parse.GetValue(data)!, options.GlobalBatchRows, (ulong)options.Seed);
            options = options with { CheckpointMetadata = new Dictionary<string, string> { [TokenizerKey] = dataset.Manifest.Tokenizer } };

            torch.manual_seed(options.Seed); // dropout draws from the process-wide generator; this process runs one job
            long startStep = 0;
            AdamWOptimizer? optimizer = null;
            Gpt model;
            if (parse.GetValue(resume) is { } resumePath)
            {
                model = GptCheckpoint.Load(resumePath, target);
                optimizer = ReferenceTrainer.CreateOptimizer([.. model.parameters()], options.Optimizer);
                using SafeTensorsReader reader = SafeTensorsReader.Open(resumePath);
                GptCheckpoint.LoadOptimizer(model, optimizer, reader);
                startStep = reader.Metadata.TryGetValue(ReferenceTrainer.StepKey, out string? s) ? long.Parse(s, CultureInfo.InvariantCulture) : optimizer.Step;
            }
            else if (parse.GetValue(init) is { } initPath)
            {
                model = GptCheckpoint.Load(initPath, target);
            }
            else
            {
                GptConfig config = GptConfig.Preset(parse.GetValue(preset)!, dataset.Manifest.VocabularySize) with { Dropout = parse.GetValue(dropout) };
                model = Gpt.Create(config, options.Seed, target); // the weights a cluster job with this seed starts from
            }
            using (model)
            {
                if (model.Config.VocabularySize < dataset.Manifest.VocabularySize)
                {
                    throw new ArgumentException($"the model's vocabulary ({model.Config.VocabularySize}) is smaller than the dataset's tokenizer ({dataset.Manifest.VocabularySize})");
                }
                if (parse.GetValue(minutes) is double budget and > 0)
                {
                    options = FitToTime(model, dataset, options, TimeSpan.FromMinutes(budget), target);
                }
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"model {model.Config.Layers}L/{model.Config.Heads}H/{model.Config.Embedding}W, {model.Config.ParameterCount():#,0} parameters on {target}; " +
                    $"{dataset.Manifest.Train.Blocks:#,0} train blocks of {dataset.BlockSize} tokens; {options.Steps} steps of {options.GlobalBatchRows} rows; {torch.get_num_threads()} threads"));
                TrainingResult result = ReferenceTrainer.Run(model, dataset, options, new ProgressLine(Console.Error, 10), startStep, optimizer, ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"steps={result.Steps} train_loss={result.FinalLoss:0.0000} val_loss={result.ValidationLoss:0.0000} val_bpb={result.ValidationBitsPerByte:0.000} checkpoint={result.Checkpoint ?? "-"}"));
            }
            optimizer?.Dispose();
            return Task.FromResult(0);
        });
        return command;
    }

    // Times a few forward/backward passes on real batches (no update), then sizes the run to the budget, leaving
    // room for the evaluations.
    private static TrainingOptions FitToTime(Gpt model, DatasetTrainingData data, TrainingOptions options, TimeSpan budget, Device device)
    {
        const int Probe = 3;
        ReferenceTrainer.ForwardBackwardProbe(model, data, options, device, 1); // warm-up
        var clock = Stopwatch.StartNew();
        ReferenceTrainer.ForwardBackwardProbe(model, data, options, device, Probe);
        double stepSeconds = clock.Elapsed.TotalSeconds / Probe * 1.05;
        double evalSeconds = stepSeconds / options.GradientAccumulation / 3 * options.EvalBatches;
        int steps = (int)(budget.TotalSeconds / stepSeconds);
        int evaluations = options.EvalInterval > 0 ? steps / options.EvalInterval : 1;
        steps = Math.Max(1, (int)((budget.TotalSeconds - (evaluations + 2) * evalSeconds) / stepSeconds));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stepSeconds:0.000} s per step: {steps} steps fit in {budget.TotalMinutes:0.#} minutes"));
        return options with { Steps = steps, WarmupSteps = Math.Min(options.WarmupSteps, steps) };
    }
}
