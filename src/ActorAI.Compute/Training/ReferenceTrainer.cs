using System.Diagnostics;
using System.Globalization;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using ActorAI.Data.Datasets;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorAI.Compute.Training;

/// <summary>How a run of the reference loop ended.</summary>
/// <param name="Steps">The step count reached.</param>
/// <param name="FinalLoss">Training loss of the last step.</param>
/// <param name="ValidationLoss">Final validation loss (nats per token).</param>
/// <param name="ValidationBitsPerByte">Final validation bits per UTF-8 byte (0 when the data does not know its bytes).</param>
/// <param name="Checkpoint">The final checkpoint, when a directory was given.</param>
public sealed record TrainingResult(long Steps, double FinalLoss, double ValidationLoss, double ValidationBitsPerByte, string? Checkpoint);

/// <summary>
/// The single-process reference training loop — the baseline the distributed runtime is measured against and
/// whose pieces (<see cref="ForwardBackward"/>, <see cref="Gradients"/>, <see cref="AdamWOptimizer"/>) it reuses.
/// Each step, top to bottom: schedule → evaluate/checkpoint → forward/backward over the micro-batches → clip →
/// optimizer step → report. One dispose scope per step keeps native memory flat.
/// </summary>
public static class ReferenceTrainer
{
    /// <summary>Metadata key of the step a checkpoint was written after.</summary>
    public const string StepKey = "actorai.step";

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="data"/> from <paramref name="startStep"/> (0, or the step of the
    /// checkpoint the model and <paramref name="optimizer"/> were restored from) to <see cref="TrainingOptions.Steps"/>.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A step produced non-finite gradients; nothing was applied.</exception>
    public static TrainingResult Run(
        Gpt model,
        ITrainingData data,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        long startStep = 0,
        AdamWOptimizer? optimizer = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckData(model, data, options);
        ComputeDevice.SetIntraOpThreads(options.IntraOpThreads);
        if (options.FrozenLayers > 0)
        {
            model.FreezeBottom(Math.Min(options.FrozenLayers, model.Config.Layers));
        }
        List<Parameter> parameters = [.. model.parameters()];
        AdamWOptimizer adam = optimizer ?? CreateOptimizer(parameters, options.Optimizer);
        var schedule = new LearningRateSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.Steps);
        Device device = parameters[0].device;
        var clock = Stopwatch.StartNew();
        long tokensPerStep = (long)options.GlobalBatchRows * data.BlockSize;
        double loss = double.NaN;
        string? checkpoint = null;
        try
        {
            for (long step = startStep; step < options.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long stepStart = Stopwatch.GetTimestamp();
                double lr = schedule.At(step);
                double norm;
                using (NewDisposeScope())
                {
                    model.train();
                    model.zero_grad();
                    loss = 0;
                    for (int micro = 0; micro < options.GradientAccumulation; micro++)
                    {
                        loss += ForwardBackward(model, data.GetBatch(step, micro, options.GradientAccumulation), 1.0 / options.GradientAccumulation, device);
                    }
                    List<Tensor?> grads = [.. parameters.Select(p => p.grad)];
                    norm = Gradients.ClipByGlobalNorm(grads, options.GradientClip);
                    if (!double.IsFinite(norm) || !double.IsFinite(loss))
                    {
                        throw new NonFiniteGradientException(step, norm);
                    }
                    adam.Apply(grads, lr);
                }
                long done = step + 1;
                double seconds = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
                bool last = done == options.Steps;
                (double? valLoss, double? bpb) = (null, null);
                if (last || (options.EvalInterval > 0 && done % options.EvalInterval == 0))
                {
                    valLoss = Evaluate(model, data, options.MicroBatchRows, options.EvalBatches, device);
                    bpb = BitsPerByte(valLoss.Value, data.ValidationBytesPerToken);
                }
                string? written = null;
                if (options.CheckpointDirectory is not null && (last || (options.CheckpointInterval > 0 && done % options.CheckpointInterval == 0)))
                {
                    written = checkpoint = SaveCheckpoint(model, adam, options.CheckpointDirectory, done, valLoss, bpb, options.CheckpointMetadata);
                }
                progress?.Report(new TrainingProgress(done, options.Steps, loss, lr, norm, tokensPerStep / Math.Max(seconds, 1e-9),
                    clock.Elapsed, valLoss, bpb, written));
            }
        }
        finally
        {
            if (optimizer is null)
            {
                adam.Dispose();
            }
        }
        double finalValidation = Evaluate(model, data, options.MicroBatchRows, options.EvalBatches, device);
        return new TrainingResult(options.Steps, loss, finalValidation, BitsPerByte(finalValidation, data.ValidationBytesPerToken), checkpoint);
    }

    /// <summary>AdamW over <paramref name="parameters"/>, decaying matrices and embeddings but not biases and norms.</summary>
    public static AdamWOptimizer CreateOptimizer(IReadOnlyList<Parameter> parameters, AdamWSettings settings) =>
        new(parameters.Cast<Tensor>().ToList(), [.. parameters.Select(p => p.dim() >= 2)], settings);

    /// <summary>
    /// Forward and backward over one batch, accumulating gradients scaled by <paramref name="lossScale"/> into the
    /// parameters; returns the scaled loss. Call inside a dispose scope.
    /// </summary>
    public static double ForwardBackward(Gpt model, TokenBatch batch, double lossScale, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        (Tensor x, Tensor y) = ToTensors(batch, device);
        Tensor loss = model.Loss(x, y) * lossScale;
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>Forward and backward passes of <paramref name="steps"/> whole steps, not applied (for timing); gradients are cleared.</summary>
    public static void ForwardBackwardProbe(Gpt model, ITrainingData data, TrainingOptions options, Device device, int steps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        model.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            for (int micro = 0; micro < options.GradientAccumulation; micro++)
            {
                ForwardBackward(model, data.GetBatch(step, micro, options.GradientAccumulation), 1.0 / options.GradientAccumulation, device);
            }
        }
        model.zero_grad();
    }

    /// <summary>Mean validation loss over up to <paramref name="batches"/> batches of <paramref name="rows"/> rows.</summary>
    public static double Evaluate(Gpt model, ITrainingData data, int rows, int batches, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.eval();
        using var noGrad = no_grad();
        double sum = 0;
        long weight = 0;
        foreach (TokenBatch batch in data.ValidationBatches(rows, batches))
        {
            using var scope = NewDisposeScope();
            (Tensor x, Tensor y) = ToTensors(batch, device);
            sum += model.Loss(x, y).item<float>() * batch.Rows;
            weight += batch.Rows;
        }
        model.train();
        return weight == 0 ? double.NaN : sum / weight;
    }

    /// <summary>Nats per token → bits per UTF-8 byte; 0 when bytes per token is unknown.</summary>
    public static double BitsPerByte(double natsPerToken, double bytesPerToken) =>
        bytesPerToken > 0 ? natsPerToken / Math.Log(2) / bytesPerToken : 0;

    /// <summary>Writes weights + optimizer state after <paramref name="step"/> as <c>step-NNNNNNN.safetensors</c>.</summary>
    public static string SaveCheckpoint(
        Gpt model, AdamWOptimizer optimizer, string directory, long step, double? validationLoss = null, double? bitsPerByte = null,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"step-{step:D7}.safetensors");
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [StepKey] = step.ToString(CultureInfo.InvariantCulture),
        };
        if (validationLoss is double v)
        {
            metadata["actorai.validation_loss"] = v.ToString("R", CultureInfo.InvariantCulture);
        }
        if (bitsPerByte is double b)
        {
            metadata["actorai.validation_bpb"] = b.ToString("R", CultureInfo.InvariantCulture);
        }
        GptCheckpoint.Save(model, path, optimizer, metadata);
        return path;
    }

    private static (Tensor X, Tensor Y) ToTensors(TokenBatch batch, Device device)
    {
        Tensor x = tensor(batch.Inputs, [batch.Rows, batch.BlockSize], ScalarType.Int32).to(ScalarType.Int64).to(device);
        Tensor y = tensor(batch.Targets, [batch.Rows, batch.BlockSize], ScalarType.Int32).to(ScalarType.Int64).to(device);
        return (x, y);
    }

    private static void CheckData(Gpt model, ITrainingData data, TrainingOptions options)
    {
        if (data.BlockSize > model.Config.ContextLength)
        {
            throw new ArgumentException($"the data's block size {data.BlockSize} exceeds the model's context length {model.Config.ContextLength}");
        }
        if (data.GlobalBatchRows != options.GlobalBatchRows)
        {
            throw new ArgumentException($"the data serves {data.GlobalBatchRows} rows per step but the options ask for {options.GlobalBatchRows} (MicroBatchRows × GradientAccumulation)");
        }
    }
}
