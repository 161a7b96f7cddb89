using System.Diagnostics;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Training;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Diagnostics;
using ActorAI.Compute.Models;
using ActorAI.Grains.Placement;
using ActorAI.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Training;

/// <summary>
/// Drives a training job one step per timer tick: trainers compute and push → shards report squared norms → the
/// job clips (or refuses a non-finite step) → shards apply. Checkpoints are recorded only after every shard's
/// snapshot is durable. A failed step restores every shard from the last checkpoint and carries on from there — the
/// lost grains reactivate on surviving silos; nothing else restarts. A reminder brings the job back after a whole
/// cluster restart.
/// </summary>
internal sealed partial class TrainingJobGrain(
    [PersistentState("trainingjob", ProviderNames.GrainStorage)] IPersistentState<TrainingJobState> state,
    IArtifactStore artifacts,
    DatasetResolver datasets,
    TimeProvider clock,
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    TrainingTelemetry telemetry,
    ILogger<TrainingJobGrain> logger) : Grain, ITrainingJobGrain, IRemindable
{
    private const string KeepAliveReminder = "training-job";
    private const int MaxConsecutiveFailures = 10;
    private IGrainTimer? _timer;
    private Catalog.TrainingJobCatalogPublisher? _catalog;

    private string JobId => this.GetPrimaryKeyString();

    private TrainingMetricsLog MetricsLog => new(GrainFactory, JobId);

    private Catalog.TrainingJobCatalogPublisher CatalogPublisher => _catalog ??= new(GrainFactory, clock, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        CatalogPublisher.Observe(Info());
        if (state.State.LegacyMetrics.Count > 0)
        {
            await MoveLegacyMetricsAsync();
        }
        if (state.State.Status == TrainingJobStatus.Running)
        {
            StartTimer();
        }
    }

    public async Task<TrainingJobInfo> SubmitAsync(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is not null)
        {
            return DatasetResolver.IsSameSubmission(state.State.Spec, spec)
                ? Info()
                : throw new TrainingJobException($"job '{JobId}' already exists with a different spec");
        }
        var errors = spec.Validate().ToList();
        if (errors.Count == 0)
        {
            (spec, IReadOnlyList<string> problems) = await datasets.PrepareSubmissionAsync(spec); // pins NAME to NAME@N
            errors.AddRange(problems);
            errors.AddRange(TrainingModel.CheckThreads(spec, SmallestTrainingSiloCores()));
        }
        if (errors.Count > 0)
        {
            throw new TrainingJobException(errors);
        }
        spec = await ResolveStagesAsync(spec);
        DateTimeOffset now = clock.GetUtcNow();
        state.State = new TrainingJobState
        {
            Spec = spec, Status = TrainingJobStatus.Running, Workers = spec.Workers, SubmittedAt = now, UpdatedAt = now,
        };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.TrainingJobs).AddAsync(JobId);
        await CatalogPublisher.PublishAsync(Info());
        await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartTimer();
        return Info();
    }

    // Stages left out: the fewest whose grains fit the training silos (1 when the whole model fits), recorded in the spec
    // so every step and every reactivation splits the model the same way.
    private async Task<TrainingJobSpec> ResolveStagesAsync(TrainingJobSpec spec)
    {
        if (spec.Stages is not null || spec.Mode != TrainingMode.Synchronous)
        {
            return spec;
        }
        GptConfig config = await datasets.ConfigAsync(spec);
        int blockSize = (await datasets.ManifestAsync(spec.Dataset)).BlockSize;
        return ComputeNeeds.FewestTrainingStages(GrainFactory, metadata, membership, JobId, spec, config, blockSize) is > 1 and int stages
            ? spec with { Stages = stages }
            : spec;
    }

    public Task<TrainingJobInfo> GetAsync() => Task.FromResult(Info());

    public Task<IReadOnlyList<string>> GetArtifactReferencesAsync() => Task.FromResult(state.State.ArtifactReferences());

    public Task<IReadOnlyList<TrainingMetrics>> GetMetricsAsync(long afterStep, int max) =>
        MetricsLog.ReadAsync(state.State.Metrics, afterStep, Math.Clamp(max, 1, MetricsPages.MaxRecords));

    public Task<TrainingJobInfo> CancelAsync() => EndAsync(TrainingJobStatus.Cancelled, "cancelled by a caller");

    public async Task<TrainingJobInfo> PauseAsync()
    {
        RequireSubmitted();
        if (state.State.Status == TrainingJobStatus.Running)
        {
            await SaveAsync(state.State with { Status = TrainingJobStatus.Paused, Reason = "paused by a caller" });
            StopTimer();
        }
        return Info();
    }

    public async Task<TrainingJobInfo> ResumeAsync()
    {
        RequireSubmitted();
        if (state.State.Status == TrainingJobStatus.Paused)
        {
            await SaveAsync(state.State with { Status = TrainingJobStatus.Running, Reason = null, ConsecutiveFailures = 0 });
            await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            StartTimer();
        }
        return Info();
    }

    public async Task<TrainingJobInfo> ScaleAsync(int workers)
    {
        TrainingJobSpec spec = RequireSubmitted();
        var errors = (spec with { Workers = workers }).Validate().Where(e => e.Contains("Workers", StringComparison.Ordinal)).ToList();
        if (errors.Count > 0)
        {
            throw new TrainingJobException(errors);
        }
        // New ranks (and the shards' push buffers) need room too: refused with the figures when they could never fit.
        if (await ComputeNeeds.DeclareTrainingAsync(GrainFactory, metadata, membership, JobId, spec, await datasets.ConfigAsync(spec),
                (await datasets.ManifestAsync(spec.Dataset)).BlockSize, workers) is { } refused)
        {
            throw new TrainingJobException(refused.Message);
        }
        await SaveAsync(state.State with { Workers = workers });
        return Info();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Status == TrainingJobStatus.Running)
        {
            StartTimer();
        }
        else if (state.State.Status is TrainingJobStatus.Succeeded or TrainingJobStatus.Failed or TrainingJobStatus.Cancelled)
        {
            IGrainReminder? reminder = await this.GetReminder(reminderName);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
        }
    }

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions
    {
        DueTime = TimeSpan.Zero,
        Period = TimeSpan.FromMilliseconds(1),
        Interleave = false,
        KeepAlive = true,
    });

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (state.State.Status != TrainingJobStatus.Running)
        {
            StopTimer();
            return;
        }
        try
        {
            if (state.State.LastCheckpoint is null)
            {
                await InitializeAsync();
            }
            else if (state.State.Step >= state.State.Spec!.Steps)
            {
                await FinishAsync();
            }
            else
            {
                await RunStepAsync();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await RecoverAsync(ex);
        }
    }

    private async Task InitializeAsync()
    {
        TrainingJobSpec spec = state.State.Spec!;
        GptConfig config = await datasets.ConfigAsync(spec);
        // Placement reads these needs whenever it places a shard or trainer; a job that could never fit fails now.
        if (await ComputeNeeds.DeclareTrainingAsync(GrainFactory, metadata, membership, JobId, spec, config,
                (await datasets.ManifestAsync(spec.Dataset)).BlockSize, state.State.Workers) is { } refused)
        {
            await SaveAsync(state.State with { Status = TrainingJobStatus.Failed, Reason = refused.Message });
            StopTimer();
            return;
        }
        float[] flat = await Task.Run(() => TrainingModel.InitialParameters(spec, config));
        var hashes = new string[spec.ParameterShards];
        for (int s = 0; s < spec.ParameterShards; s++)
        {
            (long offset, int length) = ParameterLayout.ShardRange(flat.LongLength, s, spec.ParameterShards);
            var snapshot = new ShardSnapshot(offset, ShardSnapshot.Slice(flat, offset, length), null, null, 0, 0);
            string path = artifacts.NewTemporaryPath(".safetensors");
            await Task.Run(() => snapshot.Write(path));
            hashes[s] = await artifacts.ImportAsync(path);
        }
        var checkpoint = new TrainingCheckpoint(0, hashes);
        await LoadShardsAsync(spec, checkpoint);
        await SaveAsync(state.State.WithCheckpoint(checkpoint) with { Step = 0 });
        LogInitialized(JobId, flat.LongLength, spec.ParameterShards);
    }

    private async Task RunStepAsync()
    {
        TrainingJobSpec spec = state.State.Spec!;
        long step = state.State.Step;
        int workers = state.State.Workers;
        double lr = TrainingModel.Schedule(spec).At(step);
        var watch = Stopwatch.StartNew();
        // One step's span: trainers' and shards' spans hang under it, on whichever silos they live.
        using Activity? span = ActorAITelemetry.Training.StartActivity("training step");
        span?.SetTag("actorai.job", JobId);
        span?.SetTag("actorai.step", step);

        // Trainers compute in the background; each wait answers within a fraction of the response timeout, so a step
        // may take longer than any message timeout.
        ITrainerGrain[] trainers = [.. Enumerable.Range(0, workers).Select(rank => GrainFactory.GetGrain<ITrainerGrain>(TrainerGrain.TrainerKey(JobId, rank)))];
        await Task.WhenAll(trainers.Select((t, rank) => t.BeginStepAsync(new TrainerStepRequest(JobId, spec, step, rank, workers))));
        TrainerStepResult[] results = await Task.WhenAll(trainers.Select(t => WaitForStepAsync(t, step)));

        if (spec.Mode == TrainingMode.Asynchronous)
        {
            // Shards applied each gradient as it arrived; a round ends when every trainer has pushed.
            await CompleteStepAsync(spec, step, lr, double.NaN, workers, results, 0, watch);
            return;
        }

        var apply = Stopwatch.StartNew();
        IParameterShardGrain[] shards = Shards(spec);
        double[] squares = await Task.WhenAll(shards.Select(s => s.GradientNormSquaredAsync(step, workers)));
        double norm = Math.Sqrt(squares.Sum());
        if (!double.IsFinite(norm))
        {
            await Task.WhenAll(shards.Select(s => s.DiscardAsync(step)));
            await SaveAsync(state.State with
            {
                Status = TrainingJobStatus.Paused,
                Reason = $"step {step} produced a non-finite gradient norm ({norm}); the update was refused and the weights are unchanged",
            });
            StopTimer();
            return;
        }
        double clip = spec.GradientClip > 0 && norm > spec.GradientClip ? spec.GradientClip / (norm + 1e-6) : 1.0;
        await Task.WhenAll(shards.Select(s => s.ApplyAsync(step, lr, clip)));
        await CompleteStepAsync(spec, step, lr, norm, workers, results, apply.Elapsed.TotalMilliseconds, watch);
    }

    private static async Task<TrainerStepResult> WaitForStepAsync(ITrainerGrain trainer, long step)
    {
        while (true)
        {
            if (await trainer.WaitStepAsync(step) is { } result)
            {
                return result;
            }
        }
    }

    // Held-out loss of the weights after `done` steps, at the interval and after the last step, computed by rank 0 (which
    // pulls the parameters the shards now hold); null for the steps between and for pipelined models.
    private async Task<double?> EvaluateAsync(TrainingJobSpec spec, long done, int workers)
    {
        bool due = done == spec.Steps || (spec.EvalInterval > 0 && done % spec.EvalInterval == 0);
        if (!due || spec.Stages > 1)
        {
            return null;
        }
        ITrainerGrain trainer = GrainFactory.GetGrain<ITrainerGrain>(TrainerGrain.TrainerKey(JobId, 0));
        var request = new TrainerStepRequest(JobId, spec, done, 0, workers);
        while (true)
        {
            if (await trainer.EvaluateAsync(request) is double loss)
            {
                return loss;
            }
        }
    }

    private static double? Bubble(TrainerStepResult[] results) =>
        results.All(r => r.StageBusyMs is { Length: > 0 } && r.ComputeMs > 0)
            ? results.Average(r => 1 - (r.StageBusyMs!.Sum() / (r.StageBusyMs!.Length * r.ComputeMs)))
            : null;

    private async Task CompleteStepAsync(
        TrainingJobSpec spec, long step, double lr, double norm, int workers, TrainerStepResult[] results, double applyMs, Stopwatch watch)
    {
        long done = step + 1;
        Data.Datasets.DatasetManifest manifest = await datasets.ManifestAsync(spec.Dataset);
        double? validation = await EvaluateAsync(spec, done, workers);
        double? bitsPerByte = validation is double v && manifest.Validation.Tokens > 0
            ? ReferenceTrainer.BitsPerByte(v, (double)manifest.Validation.Utf8Bytes / manifest.Validation.Tokens)
            : null;
        var metrics = new TrainingMetrics(
            done, results.Average(r => r.Loss), lr, norm,
            (double)spec.GlobalBatchRows * manifest.BlockSize / watch.Elapsed.TotalSeconds,
            workers, results.Max(r => r.PullMs), results.Max(r => r.ComputeMs), results.Max(r => r.PushMs), applyMs,
            results.Sum(r => r.Bytes), results.Sum(r => r.RefusedPushes), Bubble(results), validation, bitsPerByte);
        telemetry.RecordStep(JobId, metrics.PullMs, metrics.ComputeMs, metrics.PushMs, metrics.ApplyMs,
            metrics.Loss, metrics.TokensPerSecond, metrics.LearningRate, metrics.ExchangeBytes, metrics.RefusedPushes);
        // One step writes one small page; the job state records only where the history is.
        (MetricsIndex nextIndex, IReadOnlyList<long> dropped) = await MetricsLog.AppendAsync(state.State.Metrics, metrics);
        TrainingJobState next = state.State with
        {
            Step = done,
            Metrics = nextIndex,
            LastMetrics = metrics,
            ConsecutiveFailures = 0,
        };
        if (spec.CheckpointInterval > 0 && done % spec.CheckpointInterval == 0 && done < spec.Steps)
        {
            next = next.WithCheckpoint(await SnapshotAsync(spec, done));
        }
        await SaveAsync(next);
        await MetricsLog.ClearAsync(dropped);
    }

    private async Task MoveLegacyMetricsAsync()
    {
        MetricsIndex index = await MetricsLog.ImportAsync(state.State.LegacyMetrics);
        state.State = state.State with { LegacyMetrics = [], Metrics = index, LastMetrics = state.State.LegacyMetrics[^1] };
        await state.WriteStateAsync();
    }

    private async Task FinishAsync()
    {
        TrainingJobSpec spec = state.State.Spec!;
        long step = state.State.Step;
        TrainingCheckpoint checkpoint = state.State.LastCheckpoint!.Step == step ? state.State.LastCheckpoint : await SnapshotAsync(spec, step);
        // Final weights: every slice pulled at the final version, written as an ordinary GPT checkpoint. No tensor exists
        // while the pulls are awaited; the tensor work runs synchronously on one thread, inside its own scope.
        Data.Datasets.DatasetManifest manifest = await datasets.ManifestAsync(spec.Dataset);
        GptConfig config = TrainingModel.Config(spec, manifest);
        long total = config.ParameterCount();
        var flat = new float[total];
        for (int s = 0; s < spec.ParameterShards; s++)
        {
            (long offset, int length) = ParameterLayout.ShardRange(total, s, spec.ParameterShards);
            IParameterShardGrain shard = GrainFactory.GetGrain<IParameterShardGrain>(TrainerGrain.ShardKey(JobId, s));
            for (int at = 0; at < length; at += TrainingModel.ChunkFloats)
            {
                long version = spec.Mode == TrainingMode.Asynchronous ? -1 : step;
                ParameterChunk chunk = await shard.PullAsync(version, at, Math.Min(TrainingModel.ChunkFloats, length - at));
                chunk.Values.CopyTo(flat, offset + at);
            }
        }
        string path = artifacts.NewTemporaryPath(".safetensors");
        var metadata = new Dictionary<string, string>
        {
            ["actorai.job"] = JobId,
            [ReferenceTrainer.StepKey] = step.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["actorai.tokenizer"] = manifest.Tokenizer,
        };
        await Task.Run(() => TrainingModel.SaveCheckpoint(spec, config, flat, path, metadata));
        string result = await artifacts.ImportAsync(path);
        await SaveAsync(state.State.WithCheckpoint(checkpoint) with { Status = TrainingJobStatus.Succeeded, Reason = null, ResultArtifact = result });
        StopTimer();
        LogSucceeded(JobId, step, result);
        await ReleaseComputeAsync(spec);
    }

    private async Task<TrainingCheckpoint> SnapshotAsync(TrainingJobSpec spec, long step)
    {
        string[] hashes = await Task.WhenAll(Shards(spec).Select(s => s.SnapshotAsync(step)));
        return new TrainingCheckpoint(step, hashes);
    }

    private async Task RecoverAsync(Exception error)
    {
        TrainingJobState current = state.State;
        int failures = current.ConsecutiveFailures + 1;
        LogStepFailed(error, JobId, current.Step, failures);
        if (failures >= MaxConsecutiveFailures)
        {
            await SaveAsync(current with { Status = TrainingJobStatus.Failed, Reason = $"{failures} consecutive failed attempts at step {current.Step}: {error.Message}", ConsecutiveFailures = failures });
            StopTimer();
            return;
        }
        await SaveAsync(current with { ConsecutiveFailures = failures });
        if (current.LastCheckpoint is not { } checkpoint)
        {
            return; // initialisation is simply retried
        }
        try
        {
            await LoadShardsAsync(current.Spec!, checkpoint);
            await SaveAsync(state.State with { Step = checkpoint.Step, Recoveries = current.Recoveries + 1 });
            telemetry.RecordRecovery(JobId);
            LogRecovered(JobId, checkpoint.Step, current.Step);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The lost silo may not be declared dead yet; the next tick tries again.
            LogStepFailed(ex, JobId, current.Step, failures);
        }
    }

    private async Task LoadShardsAsync(TrainingJobSpec spec, TrainingCheckpoint checkpoint)
    {
        long total = (await datasets.ConfigAsync(spec)).ParameterCount();
        await Task.WhenAll(Enumerable.Range(0, spec.ParameterShards).Select(s =>
        {
            (long offset, int length) = ParameterLayout.ShardRange(total, s, spec.ParameterShards);
            return GrainFactory.GetGrain<IParameterShardGrain>(TrainerGrain.ShardKey(JobId, s))
                .LoadAsync(new ShardAssignment(JobId, s, offset, length, spec, checkpoint.ShardArtifacts[s], checkpoint.Step));
        }));
    }

    // Cores of the smallest silo trainers may land on, where the silos advertise them.
    private int? SmallestTrainingSiloCores()
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        var cores = ComputePlacementDirector.Eligible(active, metadata, ComputePlacement.TrainRole)
            .Select(s => SiloResources.FromMetadata(metadata.GetSiloMetadata(s).Metadata)?.CpuCores).OfType<int>().ToList();
        return cores.Count > 0 ? cores.Min() : null;
    }

    private IParameterShardGrain[] Shards(TrainingJobSpec spec) =>
        [.. Enumerable.Range(0, spec.ParameterShards).Select(s => GrainFactory.GetGrain<IParameterShardGrain>(TrainerGrain.ShardKey(JobId, s)))];

    private async Task<TrainingJobInfo> EndAsync(TrainingJobStatus status, string reason)
    {
        RequireSubmitted();
        if (state.State.Status is TrainingJobStatus.Running or TrainingJobStatus.Paused or TrainingJobStatus.Pending)
        {
            await SaveAsync(state.State with { Status = status, Reason = reason });
            StopTimer();
            await ReleaseComputeAsync(state.State.Spec!);
        }
        return Info();
    }

    // An ended job's trainers, stages and shards give their memory back to the silos now, not when idle activations are
    // collected, so a deployment or another job can be placed there at once. Best effort: a grain that cannot be reached
    // has no memory to give back.
    private async Task ReleaseComputeAsync(TrainingJobSpec spec)
    {
        int stages = spec.Stages ?? 1;
        IEnumerable<Task> releases = Enumerable.Range(0, state.State.Workers).SelectMany(rank => (IEnumerable<Task>)[
            GrainFactory.GetGrain<ITrainerGrain>(TrainerGrain.TrainerKey(JobId, rank)).ReleaseAsync(),
            .. stages > 1
                ? Enumerable.Range(0, stages).Select(s => GrainFactory.GetGrain<Pipeline.ITrainerStageGrain>(Pipeline.TrainerStageGrain.Key(JobId, rank, s)).ReleaseAsync())
                : [],
        ]).Concat(Shards(spec).Select(s => s.ReleaseAsync()));
        try
        {
            await Task.WhenAll(releases);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogReleaseFailed(ex, JobId);
        }
    }

    private TrainingJobSpec RequireSubmitted() =>
        state.State.Spec ?? throw new TrainingJobException($"job '{JobId}' does not exist");

    private async Task SaveAsync(TrainingJobState next)
    {
        state.State = next with { UpdatedAt = clock.GetUtcNow() };
        await state.WriteStateAsync();
        await CatalogPublisher.PublishAsync(Info());
    }

    private TrainingJobInfo Info()
    {
        TrainingJobState s = state.State;
        return new TrainingJobInfo(JobId, s.Spec!, s.Spec is null ? TrainingJobStatus.Pending : s.Status, s.Reason, s.Step, s.Workers,
            s.LastCheckpoint, s.LastMetrics, s.ResultArtifact, s.SubmittedAt, s.UpdatedAt, s.Recoveries);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId}: {Parameters} parameters over {Shards} shards initialised")]
    private partial void LogInitialized(string jobId, long parameters, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId} succeeded after {Step} steps; weights {Artifact}")]
    private partial void LogSucceeded(string jobId, long step, string artifact);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId}: could not release every trainer and shard")]
    private partial void LogReleaseFailed(Exception error, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId}: step {Step} failed (attempt {Attempt})")]
    private partial void LogStepFailed(Exception error, string jobId, long step, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId} recovered: shards restored to step {Checkpoint} (was at {Step})")]
    private partial void LogRecovered(string jobId, long checkpoint, long step);
}
