using System.Diagnostics;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Placement;

namespace ActorAI.Grains.Training.Pipeline;

/// <summary>
/// One stage of a pipelined trainer (key <c>job/rank/stage</c>; placed like trainers, so a pipeline's stages spread over
/// the training silos). It holds its blocks and the micro-batches between their forward and backward; the parameter
/// shards keep owning the weights and optimizer state. Tensor work runs on a compute lane in a
/// <see cref="StageTrainer"/>, whose every call opens and closes its own dispose scope; nothing is held across an await
/// but the kept micro-batches, which are out of every scope.
/// </summary>
[ComputePlacement]
internal sealed class TrainerStageGrain(ComputeLanes lanes, DatasetResolver datasets) : Grain, ITrainerStageGrain
{
    private StageStepRequest? _request;
    private (TrainingJobSpec Spec, int Stage)? _built;
    private StageTrainer? _trainer;
    private float[] _parameters = [];
    private float[]? _tied;                 // first stage of a split tied model: the head's share of the embedding gradient
    private int _tiedReceived;
    private readonly Dictionary<int, float[]> _incoming = [];   // micro → an input arriving in parts
    private readonly Dictionary<int, StageTensor> _outgoing = [];   // micro → an output larger than one message, read in parts

    /// <summary>
    /// Bytes a stage needs while training: its parameters three times (weights, gradients, the pulled copy) and the
    /// activations autograd keeps for <paramref name="microBatches"/> micro-batches of <paramref name="rows"/> ×
    /// <paramref name="blockSize"/> tokens (per block about 16 C floats per token plus two heads × T attention maps;
    /// the last stage also its logits and their gradient). What memory-aware placement is to be told.
    /// </summary>
    public static long MemoryNeed(GptConfig config, StageRange range, int microBatches, int rows, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(range);
        long parameters = PipelinePartition.ParameterCount(config, range) * sizeof(float) * 3;
        long tokens = (long)microBatches * rows * blockSize;
        long perToken = range.Layers * (16L * config.Embedding + 2L * config.Heads * blockSize) + config.Embedding
            + (range.Last ? 2L * config.VocabularySize : 0);
        return parameters + tokens * perToken * sizeof(float);
    }

    public async Task<StageExchange> BeginStepAsync(StageStepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _request = null;
        _incoming.Clear();
        _outgoing.Clear();
        _tied = null;
        _tiedReceived = 0;
        GptConfig config = await datasets.ConfigAsync(request.Spec);
        if (_built != (request.Spec, request.Stage) || _trainer is null)
        {
            _trainer?.Dispose();
            _trainer = null;
            int stages = request.Spec.Stages ?? 1;
            _trainer = await Task.Run(() => new StageTrainer(config, PipelinePartition.Split(config, stages)[request.Stage], ComputeDevice.Select("auto")));
            _parameters = new float[_trainer.Map.Count];
            _built = (request.Spec, request.Stage);
        }
        var clock = Stopwatch.StartNew();
        StageTrainer trainer = _trainer;
        IReadOnlyList<ShardPiece> pieces = trainer.Map.Pieces(trainer.Map.Runs, request.Spec.ParameterShards, TrainingModel.ChunkFloats);
        await Task.WhenAll(pieces.Select(async p =>
        {
            ParameterChunk chunk = await Shard(request, p.Shard).PullAsync(request.Step, p.ShardOffset, p.Length);
            chunk.Values.CopyTo(_parameters, p.StageOffset);
        }));
        await lanes.RunAsync(() =>
        {
            trainer.Load(_parameters);
            return 0;
        }, request.Spec.IntraOpThreads);
        _request = request;
        return new StageExchange(clock.Elapsed.TotalMilliseconds, (long)pieces.Sum(p => p.Length) * sizeof(float));
    }

    public Task WriteAsync(long step, int micro, StageTensor part)
    {
        ArgumentNullException.ThrowIfNull(part);
        Running(step);
        if (!_incoming.TryGetValue(micro, out float[]? whole))
        {
            _incoming[micro] = whole = new float[part.Elements];
        }
        part.Values.CopyTo(whole, part.Offset);
        return Task.CompletedTask;
    }

    public async Task<StageResult> ForwardAsync(StageForward request)
    {
        ArgumentNullException.ThrowIfNull(request);
        StageStepRequest step = Running(request.Step);
        StageTrainer trainer = _trainer!;
        float[]? hidden = request.Input is { } input ? Assemble(request.Micro, input) : null;
        int[]? ids = request.Tokens ?? request.Targets;
        int blockSize = ids is not null ? ids.Length / request.Rows : checked((int)request.Input!.Shape[1]);
        ((float[] Values, long[] Shape)? output, double loss, double ms) = await lanes.RunAsync(() =>
        {
            var clock = Stopwatch.StartNew();
            var values = trainer.Forward(request.Micro, request.Rows, blockSize, request.Tokens, hidden, request.Input?.Shape, request.Targets, out double l);
            return (values, l, clock.Elapsed.TotalMilliseconds);
        }, step.Spec.IntraOpThreads);
        return new StageResult(output is { } o ? Outgoing(request.Micro, o.Shape, o.Values) : null, loss, ms);
    }

    public async Task<StageResult> BackwardAsync(StageBackward request)
    {
        ArgumentNullException.ThrowIfNull(request);
        StageStepRequest step = Running(request.Step);
        StageTrainer trainer = _trainer!;
        float[]? gradient = request.OutputGradient is { } part ? Assemble(request.Micro, part) : null;
        ((float[] Values, long[] Shape)? output, double ms) = await lanes.RunAsync(() =>
        {
            var clock = Stopwatch.StartNew();
            var values = trainer.Backward(request.Micro, gradient, step.LossScale);
            return (values, clock.Elapsed.TotalMilliseconds);
        }, step.Spec.IntraOpThreads);
        return new StageResult(output is { } o ? Outgoing(request.Micro, o.Shape, o.Values) : null, 0, ms);
    }

    public Task<StageTensor> ReadAsync(long step, int micro, int offset)
    {
        Running(step);
        if (!_outgoing.TryGetValue(micro, out StageTensor? whole) || offset < 0 || offset >= whole.Values.Length)
        {
            throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} has no output of micro-batch {micro} at {offset}");
        }
        int n = Math.Min(TrainingModel.ChunkFloats, whole.Values.Length - offset);
        if (offset + n == whole.Values.Length)
        {
            _outgoing.Remove(micro);
        }
        return Task.FromResult(new StageTensor(whole.Shape, offset, whole.Values.AsSpan(offset, n).ToArray()));
    }

    public async Task<long> SendTiedGradientAsync(long step)
    {
        StageStepRequest request = Running(step);
        StageTrainer trainer = _trainer!;
        if (trainer.Map.TiedEmbedding is not { } tied || trainer.Range.First)
        {
            return 0;
        }
        float[] values = await lanes.RunAsync(() =>
        {
            var all = new float[trainer.Map.Count];
            trainer.ReadGradients(all);
            return all.AsSpan((int)tied.StageOffset, (int)tied.Length).ToArray();
        }, request.Spec.IntraOpThreads);
        ITrainerStageGrain first = GrainFactory.GetGrain<ITrainerStageGrain>(Key(request.JobId, request.Rank, 0));
        foreach (StageTensor part in StageTensor.Parts([tied.Length], values, TrainingModel.ChunkFloats))
        {
            await first.AddTiedGradientAsync(step, part);
        }
        return values.LongLength * sizeof(float);
    }

    public Task AddTiedGradientAsync(long step, StageTensor part)
    {
        ArgumentNullException.ThrowIfNull(part);
        Running(step);
        _tied ??= new float[part.Elements];
        part.Values.CopyTo(_tied, part.Offset);
        _tiedReceived += part.Values.Length;
        return Task.CompletedTask;
    }

    public Task ReleaseAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task<StageExchange> PushAsync(long step)
    {
        StageStepRequest request = Running(step);
        StageTrainer trainer = _trainer!;
        if (trainer.Kept > 0)
        {
            throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} still holds {trainer.Kept} micro-batches without their backward");
        }
        StageRun? tied = trainer.Range.First ? trainer.Map.TiedEmbedding : null;
        if (tied is not null && (_tied is null || _tiedReceived != tied.Length))
        {
            throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} has {_tiedReceived} of the head's {tied.Length} embedding gradients");
        }
        var clock = Stopwatch.StartNew();
        float[] gradients = await lanes.RunAsync(() =>
        {
            var all = new float[trainer.Map.Count];
            trainer.ReadGradients(all);
            if (tied is not null)
            {
                StageParameterMap.Add(all.AsSpan((int)tied.StageOffset, (int)tied.Length), _tied);
            }
            return all;
        }, request.Spec.IntraOpThreads);
        IReadOnlyList<ShardPiece> pieces = trainer.Map.Pieces(trainer.Map.PushRuns, request.Spec.ParameterShards, TrainingModel.ChunkFloats);
        // One shard's pieces in order, the shards in parallel.
        await Task.WhenAll(pieces.GroupBy(p => p.Shard).Select(async shardPieces =>
        {
            foreach (ShardPiece p in shardPieces)
            {
                float[] values = gradients.AsSpan((int)p.StageOffset, p.Length).ToArray();
                await Shard(request, p.Shard).PushAsync(new GradientChunk(step, request.Rank, request.WorldSize, step, p.ShardOffset, values));
            }
        }));
        return new StageExchange(clock.Elapsed.TotalMilliseconds, (long)pieces.Sum(p => p.Length) * sizeof(float));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _trainer?.Dispose();
        _trainer = null;
        return Task.CompletedTask;
    }

    // The whole input, from this last part and any sent ahead of it with WriteAsync.
    private float[] Assemble(int micro, StageTensor last)
    {
        if (last.Offset == 0 && last.Values.Length == last.Elements)
        {
            return last.Values;
        }
        if (!_incoming.Remove(micro, out float[]? whole) || whole.Length != last.Elements)
        {
            throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} got part of micro-batch {micro}'s input without the rest");
        }
        last.Values.CopyTo(whole, last.Offset);
        return whole;
    }

    // The first part of an output; the rest is kept for ReadAsync when it exceeds one message.
    private StageTensor Outgoing(int micro, long[] shape, float[] values)
    {
        IReadOnlyList<StageTensor> parts = StageTensor.Parts(shape, values, TrainingModel.ChunkFloats);
        if (parts.Count > 1)
        {
            _outgoing[micro] = new StageTensor(shape, 0, values);
        }
        return parts[0];
    }

    internal static string Key(string jobId, int rank, int stage) => $"{jobId}/{rank}/{stage}";

    private StageStepRequest Running(long step) =>
        _request is { } request && request.Step == step && _trainer is not null
            ? request
            : throw new InvalidOperationException(
                $"stage {this.GetPrimaryKeyString()} is not running step {step} (it may have been reactivated); the job restarts the step");

    private IParameterShardGrain Shard(StageStepRequest request, int shard) =>
        GrainFactory.GetGrain<IParameterShardGrain>(TrainerGrain.ShardKey(request.JobId, shard));
}
