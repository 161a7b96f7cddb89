using System.Diagnostics;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Training;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Diagnostics;
using ActorAI.Grains.Placement;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Grains.Training;

/// <summary>Persistent state of a parameter shard: its assignment and its current snapshot.</summary>
[GenerateSerializer, Alias("ActorAI.ParameterShardState")]
public sealed record ParameterShardState
{
    [Id(0)] public ShardAssignment? Assignment { get; init; }
    [Id(1)] public string? Snapshot { get; init; }
    [Id(2)] public long SnapshotStep { get; init; }
}

[ComputePlacement]
internal sealed class ParameterShardGrain(
    [PersistentState("parametershard", ProviderNames.GrainStorage)] IPersistentState<ParameterShardState> state,
    IArtifactStore artifacts,
    DatasetResolver datasets) : Grain, IParameterShardGrain
{
    private ShardAssignment? _assignment;
    private Tensor? _parameters;          // (length) float32, this shard's slice
    private Tensor[] _views = [];          // per-parameter pieces of the slice (AdamW decays some, not others)
    private (int Start, int Length, bool Decay)[] _pieces = [];
    private AdamWOptimizer? _optimizer;
    private long _version;
    private readonly SortedDictionary<int, float[]> _pushes = [];   // rank → this step's gradient (reused buffers)
    private readonly Dictionary<int, float[]> _buffers = [];         // rank → buffer kept across steps (no per-step large allocations)
    private readonly Dictionary<int, int> _received = [];
    private float[]? _sum;
    private float[]? _pullCache;                                     // the slice at _pullCacheVersion, shared by every pull of that version
    private long _pullCacheVersion = -1;
    private long _pendingStep = -1;
    private float[]? _averaged;

    public async Task LoadAsync(ShardAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        string path = await artifacts.OpenVerifiedAsync(assignment.Checkpoint);
        ShardSnapshot snapshot = await Task.Run(() => ShardSnapshot.Read(path, assignment.Offset, assignment.Length));
        Release();
        _assignment = assignment;
        _parameters = tensor(snapshot.Parameters).DetachFromDisposeScope();
        _pieces = [.. Layout(assignment, await datasets.ManifestAsync(assignment.Spec.Dataset)).SegmentsIn(assignment.Offset, assignment.Length)];
        _views = [.. _pieces.Select(p => _parameters.narrow(0, p.Start, p.Length).DetachFromDisposeScope())];
        Compute.Training.AdamWSettings settings = new(WeightDecay: assignment.Spec.WeightDecay);
        _optimizer = new AdamWOptimizer(_views, [.. _pieces.Select(p => p.Decay)], settings);
        if (snapshot.ExpAvg is not null && snapshot.ExpAvgSq is not null)
        {
            using var scope = NewDisposeScope();
            _optimizer.Load(
                [.. _pieces.Select(p => tensor(snapshot.ExpAvg.AsSpan(p.Start, p.Length).ToArray()))],
                [.. _pieces.Select(p => tensor(snapshot.ExpAvgSq.AsSpan(p.Start, p.Length).ToArray()))],
                snapshot.OptimizerStep);
        }
        // Synchronous versions count steps; asynchronous versions count applied gradients.
        _version = Asynchronous ? snapshot.OptimizerStep : assignment.Step;
        ClearPushes();
        state.State = new ParameterShardState { Assignment = assignment, Snapshot = assignment.Checkpoint, SnapshotStep = assignment.Step };
        await state.WriteStateAsync();
    }

    public Task<ParameterChunk> PullAsync(long version, int offset, int length)
    {
        Tensor parameters = Loaded();
        if (version != _version && !(Asynchronous && version < 0))
        {
            throw new InvalidOperationException($"shard {_assignment!.Shard} of job {_assignment.JobId} is at version {_version}, not {version}");
        }
        CheckRange(offset, length);
        if (_pullCacheVersion != _version || _pullCache is null)
        {
            _pullCache = parameters.ToFloatArray();
            _pullCacheVersion = _version;
        }
        // Chunks are immutable once sent: a whole-slice pull shares the cached array, a partial one copies.
        float[] values = offset == 0 && length == _pullCache.Length ? _pullCache : _pullCache.AsSpan(offset, length).ToArray();
        return Task.FromResult(new ParameterChunk(_version, offset, values));
    }

    public Task PushAsync(GradientChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        using Activity? span = ActorAITelemetry.Training.StartActivity("shard push");
        span?.SetTag("actorai.step", chunk.Step);
        span?.SetTag("actorai.rank", chunk.Rank);
        Loaded();
        if (Asynchronous)
        {
            return PushAsynchronousAsync(chunk);
        }
        if (chunk.Step != _version || chunk.BaseVersion != _version)
        {
            throw new InvalidOperationException($"gradient for step {chunk.Step} (base version {chunk.BaseVersion}) reached shard {_assignment!.Shard} at version {_version}");
        }
        if (chunk.Rank < 0 || chunk.Rank >= chunk.WorldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(chunk), $"rank {chunk.Rank} is outside world size {chunk.WorldSize}");
        }
        CheckRange(chunk.Offset, chunk.Values.Length);
        if (_pendingStep != chunk.Step)
        {
            ClearPushes();
            _pendingStep = chunk.Step;
        }
        if (!_pushes.TryGetValue(chunk.Rank, out float[]? buffer))
        {
            _pushes[chunk.Rank] = buffer = Buffer(chunk.Rank);
            _received[chunk.Rank] = 0;
        }
        chunk.Values.CopyTo(buffer, chunk.Offset);
        _received[chunk.Rank] += chunk.Values.Length;
        return Task.CompletedTask;
    }

    // Asynchronous mode: one buffer per rank; a complete gradient is applied immediately (or refused as stale).
    private async Task PushAsynchronousAsync(GradientChunk chunk)
    {
        CheckRange(chunk.Offset, chunk.Values.Length);
        int key = chunk.Rank;
        if (!_pushes.TryGetValue(key, out float[]? buffer) || _received[key] >= _assignment!.Length)
        {
            _pushes[key] = buffer = Buffer(key);
            _received[key] = 0;
        }
        chunk.Values.CopyTo(buffer, chunk.Offset);
        _received[key] += chunk.Values.Length;
        if (_received[key] < _assignment!.Length)
        {
            return;
        }
        _pushes.Remove(key);
        _received.Remove(key);
        long age = _version - chunk.BaseVersion;
        if (age > _assignment.Spec.Staleness)
        {
            throw new StaleGradientException(
                $"gradient of rank {chunk.Rank} was computed on version {chunk.BaseVersion}; shard {_assignment.Shard} is at {_version}, beyond the staleness bound {_assignment.Spec.Staleness}");
        }
        double clip = _assignment.Spec.GradientClip;
        bool finite = await Task.Run(() =>
        {
            using var scope = NewDisposeScope();
            Tensor g = tensor(buffer);
            double norm = g.norm().item<float>();
            if (!double.IsFinite(norm))
            {
                return false;
            }
            // Without a global reduction an asynchronous update can only clip its own slice.
            if (clip > 0 && norm > clip)
            {
                g.mul_(clip / (norm + 1e-6));
            }
            _optimizer!.Apply([.. _pieces.Select(p => g.narrow(0, p.Start, p.Length))], chunk.LearningRate);
            return true;
        });
        if (!finite)
        {
            throw new InvalidOperationException($"gradient of rank {chunk.Rank} at step {chunk.Step} is not finite; shard {_assignment.Shard} refused it");
        }
        _version++;
    }

    public async Task<double> GradientNormSquaredAsync(long step, int worldSize)
    {
        Loaded();
        if (step != _pendingStep || Enumerable.Range(0, worldSize).Any(r => !_received.TryGetValue(r, out int n) || n != _assignment!.Length))
        {
            throw new InvalidOperationException(
                $"shard {_assignment!.Shard} has not received every gradient of step {step} ({_received.Count(r => r.Value == _assignment.Length)} of {worldSize} complete)");
        }
        float[][] buffers = [.. _pushes.Where(p => p.Key < worldSize).Select(p => p.Value)];
        // Sum in rank order (SortedDictionary), as the reference loop accumulates its micro-batches.
        float[] sum = _sum ??= new float[_assignment!.Length];
        double sumSquares = await Task.Run(() =>
        {
            buffers[0].CopyTo(sum, 0);
            for (int r = 1; r < buffers.Length; r++)
            {
                Add(sum, buffers[r]);
            }
            return SumOfSquares(sum);
        });
        _averaged = sum;
        return sumSquares;
    }

    public async Task<long> ApplyAsync(long step, double learningRate, double clipScale)
    {
        using Activity? span = ActorAITelemetry.Training.StartActivity("shard apply");
        span?.SetTag("actorai.step", step);
        Loaded();
        if (step != _pendingStep || _averaged is null)
        {
            throw new InvalidOperationException($"shard {_assignment!.Shard} has no reduced gradient for step {step}");
        }
        float[] gradient = _averaged;
        await Task.Run(() =>
        {
            using var scope = NewDisposeScope();
            Tensor g = tensor(gradient);
            if (clipScale != 1.0)
            {
                g.mul_(clipScale);
            }
            _optimizer!.Apply([.. _pieces.Select(p => g.narrow(0, p.Start, p.Length))], learningRate);
        });
        _version++;
        ClearPushes();
        return _version;
    }

    public Task DiscardAsync(long step)
    {
        if (_pendingStep == step)
        {
            ClearPushes();
        }
        return Task.CompletedTask;
    }

    public Task ReleaseAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task<string> SnapshotAsync(long step)
    {
        Tensor parameters = Loaded();
        if (step != _version && !Asynchronous)
        {
            throw new InvalidOperationException($"shard {_assignment!.Shard} is at version {_version}, not {step}");
        }
        float[] values = parameters.ToFloatArray();
        float[] expAvg = Concat(_optimizer!.ExpAvg);
        float[] expAvgSq = Concat(_optimizer.ExpAvgSq);
        string path = artifacts.NewTemporaryPath(".safetensors");
        var snapshot = new ShardSnapshot(_assignment!.Offset, values, expAvg, expAvgSq, step, _optimizer.Step);
        await Task.Run(() => snapshot.Write(path));
        string sha = await artifacts.ImportAsync(path);
        state.State = state.State with { Snapshot = sha, SnapshotStep = step };
        await state.WriteStateAsync();
        return sha;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Release();
        return Task.CompletedTask;
    }

    private bool Asynchronous => _assignment?.Spec.Mode == TrainingMode.Asynchronous;

    private float[] Buffer(int rank)
    {
        if (!_buffers.TryGetValue(rank, out float[]? buffer) || buffer.Length != _assignment!.Length)
        {
            _buffers[rank] = buffer = new float[_assignment!.Length];
        }
        return buffer;
    }

    private static void Add(float[] sum, float[] values)
    {
        int i = 0;
        var s = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(sum.AsSpan());
        var v = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(values.AsSpan());
        for (; i < s.Length; i++)
        {
            s[i] += v[i];
        }
        for (int j = i * System.Numerics.Vector<float>.Count; j < sum.Length; j++)
        {
            sum[j] += values[j];
        }
    }

    private static double SumOfSquares(float[] values)
    {
        double total = 0;
        foreach (float g in values)
        {
            total += (double)g * g;
        }
        return total;
    }

    private static ParameterLayout Layout(ShardAssignment assignment, Data.Datasets.DatasetManifest manifest) =>
        ParameterLayout.For(TrainingModel.Config(assignment.Spec, manifest)); // the model's shape alone: no model is built

    private Tensor Loaded() => _parameters ?? throw new InvalidOperationException(
        $"parameter shard {this.GetPrimaryKeyString()} is not loaded (its silo may have restarted); the job restores it from the last checkpoint");

    private void CheckRange(int offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > _assignment!.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the shard's {_assignment!.Length} parameters");
        }
    }

    private static float[] Concat(IReadOnlyList<Tensor> pieces)
    {
        using var scope = NewDisposeScope();
        return cat([.. pieces], 0).ToFloatArray();
    }

    private void ClearPushes()
    {
        _pushes.Clear();
        _received.Clear();
        _averaged = null;
        _pendingStep = -1;
    }

    private void Release()
    {
        _optimizer?.Dispose();
        foreach (Tensor v in _views)
        {
            v.Dispose();
        }
        _parameters?.Dispose();
        _optimizer = null;
        _parameters = null;
        _views = [];
        _buffers.Clear();
        _sum = null;
        _pullCache = null;
        _pullCacheVersion = -1;
    }
}
