using ActorAI.Abstractions;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Pipeline;
using ActorAI.Grains.Placement;
using ActorAI.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Serving.Pipeline;

/// <summary>Persistent state of a model shard: what to load, so a reactivation on another silo serves the same stage.</summary>
[GenerateSerializer, Alias("ActorAI.ModelShardState")]
public sealed record ModelShardState
{
    [Id(0)] public ModelShardSpec? Spec { get; init; }
}

/// <summary>
/// One pipeline stage of a replica's model. Its weights come from the artifact store (only this stage's tensors are
/// read); its KV cache lives in memory and is named by an epoch, so after a reactivation the coordinator sees a new
/// epoch and replays the inputs it kept rather than trusting a cache that is gone.
/// </summary>
[ServingPlacement]
internal sealed partial class ModelShardGrain(
    [PersistentState("modelshard", ProviderNames.GrainStorage)] IPersistentState<ModelShardState> state,
    IArtifactStore artifacts,
    ILocalSiloDetails silo,
    ILogger<ModelShardGrain> logger) : Grain, IModelShardGrain
{
    private Task<StageExecutor>? _loading;
    private Guid _epoch = Guid.NewGuid();

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is { } spec)
        {
            _loading = LoadExecutorAsync(spec); // reactivated: load at once, before the coordinator's replay arrives
        }
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_loading is { IsCompletedSuccessfully: true } loaded)
        {
            (await loaded).Dispose();
        }
        _loading = null;
    }

    public async Task<StageActivation> LoadAsync(ModelShardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec != spec)
        {
            if (_loading is not null)
            {
                await ReleaseExecutorAsync();
            }
            state.State = new ModelShardState { Spec = spec };
            await state.WriteStateAsync();
        }
        await ExecutorAsync();
        return Activation();
    }

    public async Task<StageStepReply> StepAsync(Guid epoch, StageStepMessage step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (state.State.Spec is null)
        {
            throw new StageEpochException($"model shard '{Id}' has no model loaded (its state was lost)");
        }
        StageExecutor executor = await ExecutorAsync();
        if (epoch != _epoch)
        {
            throw new StageEpochException($"model shard '{Id}' holds KV-cache epoch {_epoch}, not {epoch}: it was reactivated or reset");
        }
        StageStep work = step.ToStep();
        try
        {
            float[] output = await Task.Run(() => executor.Step(work));
            return new StageStepReply(output, _epoch);
        }
        catch (StageResetException ex)
        {
            // The executor has no cache to step over until the coordinator resets it (and replays what it kept).
            throw new StageEpochException($"model shard '{Id}': {ex.Message}");
        }
    }

    public async Task<StageActivation> ResetAsync()
    {
        StageExecutor executor = await ExecutorAsync();
        executor.Reset();
        _epoch = Guid.NewGuid();
        return Activation();
    }

    private StageActivation Activation() => new(_epoch, silo.SiloAddress.ToParsableString());

    public async Task ReleaseAsync()
    {
        await ReleaseExecutorAsync();
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    private async Task ReleaseExecutorAsync()
    {
        Task<StageExecutor>? loading = _loading;
        _loading = null;
        if (loading is not null)
        {
            try
            {
                (await loading).Dispose();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogLoadFailed(logger, ex, Id); // it never loaded: nothing to dispose
            }
        }
        _epoch = Guid.NewGuid();
    }

    private async Task<StageExecutor> ExecutorAsync()
    {
        ModelShardSpec spec = state.State.Spec ?? throw new InvalidOperationException($"model shard '{Id}' has not been told what to load");
        _loading ??= LoadExecutorAsync(spec);
        try
        {
            return await _loading;
        }
        catch
        {
            _loading = null; // the next call tries again
            throw;
        }
    }

    private async Task<StageExecutor> LoadExecutorAsync(ModelShardSpec spec)
    {
        string path = await artifacts.OpenVerifiedAsync(spec.Artifact);
        StageExecutor executor = await Task.Run(() =>
        {
            GptStage stage = GptCheckpoint.LoadStage(path, spec.Range, ComputeDevice.Select());
            stage.eval();
            return new StageExecutor(stage, spec.BlockSize, spec.MaxBlocks);
        });
        LogLoaded(logger, Id, spec.Stage, spec.Stages, spec.Artifact);
        return executor;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model shard {Shard} loaded stage {Stage} of {Stages} of {Artifact}")]
    private static partial void LogLoaded(ILogger logger, string shard, int stage, int stages, string artifact);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model shard {Shard} had failed to load")]
    private static partial void LogLoadFailed(ILogger logger, Exception ex, string shard);
}
