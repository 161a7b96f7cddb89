using System.Diagnostics;
using ActorAI.Abstractions.Training;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Diagnostics;
using ActorAI.Grains.Placement;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using static TorchSharp.torch;

namespace ActorAI.Grains.Training;

/// <summary>
/// A model replica (key <c>job/rank</c>). Stateless beyond its caches: the parameters come from the shards and the
/// data is a pure function of (seed, step, rank, world size), so a reactivated trainer neither skips nor repeats.
/// A step runs in the background of the activation (compute on a lane, off the grain scheduler); the job starts it and
/// then waits in calls that each return within a fraction of the response timeout, so a step may take any time.
/// </summary>
[ComputePlacement]
internal sealed class TrainerGrain(ComputeLanes lanes, DatasetResolver datasets, IOptions<SiloMessagingOptions> messaging) : Grain, ITrainerGrain
{
    private (long Step, Task<TrainerStepResult> Work)? _current;
    private (long Step, Task<double> Work)? _evaluation;
    private TrainingJobSpec? _spec;
    private Gpt? _model;
    private ParameterLayout? _layout;
    private DatasetTrainingData? _data;
    private Device _device = CPU;
    private float[] _parameters = [];
    private float[] _gradients = [];
    private long[] _baseVersions = [];
    private float[][] _pushBuffers = [];   // per shard, reused: a push is copied by the shard before the call returns
    private Pipeline.PipelineTrainerStep? _pipeline;

    public Task BeginStepAsync(TrainerStepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_current is not { } running || running.Step != request.Step || running.Work.IsCompleted)
        {
            // An attempt still running (a step the job gave up on) keeps the model until it stops; this one starts after.
            // An evaluation still running uses the model as well.
            Task previous = Task.WhenAll(_current?.Work ?? Task.CompletedTask, _evaluation?.Work ?? Task.CompletedTask);
            _current = (request.Step, StepAfterAsync(previous, request));
        }
        return Task.CompletedTask;
    }

    public async Task<double?> EvaluateAsync(TrainerStepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Spec.Stages > 1)
        {
            throw new NotSupportedException($"trainer {this.GetPrimaryKeyString()} runs a pipeline; held-out evaluation runs on unsplit models only");
        }
        if (_evaluation is not { } running || running.Step != request.Step || running.Work.IsFaulted)
        {
            Task previous = _current?.Work ?? Task.CompletedTask; // a step still running owns the model until it stops
            _evaluation = running = (request.Step, EvaluateAfterAsync(previous, request));
        }
        await Task.WhenAny(running.Work, Task.Delay(messaging.Value.ResponseTimeout / 4));
        return running.Work.IsCompleted ? await running.Work : null;
    }

    private async Task<double> EvaluateAfterAsync(Task previous, TrainerStepRequest request)
    {
        await Task.WhenAny(previous);
        LocalDataset dataset = await datasets.LocalAsync(request.Spec.Dataset);
        await Task.Run(() => Prepare(request.Spec, dataset));
        _baseVersions = new long[request.Spec.ParameterShards];
        await Task.WhenAll(Enumerable.Range(0, request.Spec.ParameterShards).Select(s => PullShardAsync(request, s)));
        int rows = request.Spec.GlobalBatchRows / request.WorldSize;
        return await lanes.RunAsync(() =>
        {
            _layout!.WriteParameters(_parameters);
            double loss = ReferenceTrainer.Evaluate(_model!, _data!, rows, request.Spec.EvalBatches, _device);
            _model!.train();
            return loss;
        }, request.Spec.IntraOpThreads);
    }

    public async Task ReleaseAsync()
    {
        if (_current?.Work is { IsCompleted: false } work)
        {
            await Task.WhenAny(work); // an attempt the job gave up on still uses the model (or the stages)
        }
        DeactivateOnIdle(); // OnDeactivateAsync disposes the model
    }

    public async Task<TrainerStepResult?> WaitStepAsync(long step)
    {
        if (_current is not { } running || running.Step != step)
        {
            throw new InvalidOperationException(
                $"trainer {this.GetPrimaryKeyString()} is not running step {step} (it may have been reactivated); the job restarts the step");
        }
        // A quarter of the response timeout: the answer always arrives in time, however long the step computes.
        TimeSpan window = messaging.Value.ResponseTimeout / 4;
        await Task.WhenAny(running.Work, Task.Delay(window));
        return running.Work.IsCompleted ? await running.Work : null;
    }

    private async Task<TrainerStepResult> StepAfterAsync(Task previous, TrainerStepRequest request)
    {
        await Task.WhenAny(previous); // its outcome went to its own waiter
        return await StepAsync(request);
    }

    private async Task<TrainerStepResult> StepAsync(TrainerStepRequest request)
    {
        using Activity? span = ActorAITelemetry.Training.StartActivity("trainer step");
        span?.SetTag("actorai.job", request.JobId);
        span?.SetTag("actorai.step", request.Step);
        span?.SetTag("actorai.rank", request.Rank);
        LocalDataset dataset = await datasets.LocalAsync(request.Spec.Dataset); // a named dataset is materialized on this silo
        if (request.Spec.Stages > 1)
        {
            // The model is split over stage grains; this trainer coordinates them and holds no model.
            return await (_pipeline ??= new Pipeline.PipelineTrainerStep(GrainFactory)).RunAsync(request, dataset);
        }
        await Task.Run(() => Prepare(request.Spec, dataset));
        int shards = request.Spec.ParameterShards;
        bool asynchronous = request.Spec.Mode == TrainingMode.Asynchronous;
        _baseVersions = new long[shards];
        long bytes = 0;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, shards).Select(s => PullShardAsync(request, s)));
        bytes += _parameters.LongLength * sizeof(float);
        double pullMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        double loss = await lanes.RunAsync(() =>
        {
            _layout!.WriteParameters(_parameters);
            using var scope = NewDisposeScope();
            _model!.zero_grad();
            // Synchronous: each rank contributes 1/K of the mean gradient; asynchronous: each push is a whole update.
            double scale = asynchronous ? 1.0 : 1.0 / request.WorldSize;
            double scaled = ReferenceTrainer.ForwardBackward(_model, _data!.GetBatch(request.Step, request.Rank, request.WorldSize), scale, _device);
            _layout.ReadGradients(_gradients);
            return scaled / scale;
        }, request.Spec.IntraOpThreads);
        double computeMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        bool[] accepted = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => PushShardAsync(request, s)));
        bytes += _gradients.LongLength * sizeof(float);
        return new TrainerStepResult(loss, pullMs, computeMs, clock.Elapsed.TotalMilliseconds, bytes, accepted.Count(a => !a));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_current?.Work is { IsCompleted: false } work)
        {
            // A running step still uses the model; its failure, if any, went to its waiter.
            await Task.WhenAny(work, Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken));
        }
        _model?.Dispose();
        _data?.Dispose();
        _pipeline?.Dispose();
    }

    private void Prepare(TrainingJobSpec spec, LocalDataset dataset)
    {
        if (_spec == spec && _model is not null)
        {
            return;
        }
        _model?.Dispose();
        _data?.Dispose();
        _device = ComputeDevice.Select("auto");
        _model = TrainingModel.NewModel(spec, TrainingModel.Config(spec, dataset.Manifest), _device); // its initial weights are overwritten by every pull
        _model.train();
        _layout = new ParameterLayout(_model);
        _data = new DatasetTrainingData(dataset.Directory, spec.GlobalBatchRows, (ulong)spec.Seed);
        _parameters = new float[_layout.Count];
        _gradients = new float[_layout.Count];
        _pushBuffers = [.. Enumerable.Range(0, spec.ParameterShards).Select(s => new float[Math.Min(TrainingModel.ChunkFloats, _layout.ShardRange(s, spec.ParameterShards).Length)])];
        _spec = spec;
    }

    private async Task PullShardAsync(TrainerStepRequest request, int shard)
    {
        (long offset, int length) = _layout!.ShardRange(shard, request.Spec.ParameterShards);
        IParameterShardGrain grain = GrainFactory.GetGrain<IParameterShardGrain>(ShardKey(request.JobId, shard));
        for (int at = 0; at < length; at += TrainingModel.ChunkFloats)
        {
            long version = request.Spec.Mode == TrainingMode.Asynchronous ? -1 : request.Step;
            ParameterChunk chunk = await grain.PullAsync(version, at, Math.Min(TrainingModel.ChunkFloats, length - at));
            chunk.Values.CopyTo(_parameters, offset + at);
            _baseVersions[shard] = at == 0 ? chunk.Version : Math.Min(_baseVersions[shard], chunk.Version);
        }
    }

    /// <summary>Pushes this rank's gradient slice to a shard; false when an asynchronous shard refused it as stale.</summary>
    private async Task<bool> PushShardAsync(TrainerStepRequest request, int shard)
    {
        (long offset, int length) = _layout!.ShardRange(shard, request.Spec.ParameterShards);
        IParameterShardGrain grain = GrainFactory.GetGrain<IParameterShardGrain>(ShardKey(request.JobId, shard));
        bool asynchronous = request.Spec.Mode == TrainingMode.Asynchronous;
        long baseVersion = asynchronous ? _baseVersions[shard] : request.Step;
        double learningRate = asynchronous ? TrainingModel.Schedule(request.Spec).At(request.Step) : 0;
        try
        {
            for (int at = 0; at < length; at += TrainingModel.ChunkFloats)
            {
                int n = Math.Min(TrainingModel.ChunkFloats, length - at);
                float[] values = n == _pushBuffers[shard].Length ? _pushBuffers[shard] : new float[n];
                _gradients.AsSpan((int)offset + at, n).CopyTo(values);
                await grain.PushAsync(new GradientChunk(request.Step, request.Rank, request.WorldSize, baseVersion, at, values, learningRate));
            }
            return true;
        }
        catch (StaleGradientException)
        {
            return false;
        }
    }

    internal static string ShardKey(string jobId, int shard) => $"{jobId}/{shard}";

    internal static string TrainerKey(string jobId, int rank) => $"{jobId}/{rank}";
}
