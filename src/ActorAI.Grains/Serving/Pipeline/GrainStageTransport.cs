using ActorAI.Abstractions.Cluster;
using ActorAI.Compute.Pipeline;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace ActorAI.Grains.Serving.Pipeline;

/// <summary>
/// A pipelined replica's way to its stages: grain calls to its <see cref="IModelShardGrain"/>s. A call that fails
/// because a stage's silo died is retried; the retry reactivates the stage on a survivor (placement by free memory),
/// which loads its weights from the artifact store and answers with a new cache epoch, which this transport reports as
/// a <see cref="StageResetException"/> so the coordinator replays the inputs it kept.
/// </summary>
internal sealed partial class GrainStageTransport : IStageTransport
{
    // How long a stage may stay unreachable (its silo being declared dead, its replacement loading) before a step fails.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly IGrainFactory _grains;
    private readonly ModelShardSpec[] _specs;
    private readonly StageActivation?[] _activations; // each stage's cache epoch and silo, as last seen
    private long _bytes;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;

    public GrainStageTransport(IGrainFactory grains, string replica, IReadOnlyList<ModelShardSpec> specs, ILogger logger, TimeProvider clock)
    {
        _grains = grains;
        _specs = [.. specs];
        _activations = new StageActivation?[_specs.Length];
        _logger = logger;
        _clock = clock;
        Replica = replica;
    }

    /// <summary>The silo each stage answered its last load or reset from.</summary>
    public IReadOnlyList<string> Silos => [.. _activations.Select((_, s) => Volatile.Read(ref _activations[s])?.Silo ?? "")];

    /// <summary>Bytes of activations, tokens and logits sent to and received from the stages so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The coordinating replica's key.</summary>
    public string Replica { get; }

    /// <summary>Stage <paramref name="stage"/>'s grain key: <c>deployment/replica/stage</c>.</summary>
    public static string ShardKey(string replica, int stage) => $"{replica}/{stage.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The stage grain of <paramref name="stage"/>.</summary>
    public IModelShardGrain Shard(int stage) => _grains.GetGrain<IModelShardGrain>(ShardKey(Replica, stage));

    /// <summary>Loads every stage (in parallel) and records their cache epochs.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // The deployment's placement hint for this replica rides the call context: it must not pull the stages onto the
        // replica's silo too.
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        StageActivation[] stages = await Task.WhenAll(Enumerable.Range(0, _specs.Length).Select(s => WithRetryAsync(s, () => Shard(s).LoadAsync(_specs[s]), cancellationToken)));
        for (int s = 0; s < stages.Length; s++)
        {
            Record(s, stages[s]);
        }
    }

    public async Task<float[]> StepAsync(int stage, StageStep step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        var message = StageStepMessage.From(step);
        try
        {
            StageStepReply reply = await WithRetryAsync(stage, () => Shard(stage).StepAsync(Volatile.Read(ref _activations[stage])?.Epoch ?? Guid.Empty, message), cancellationToken);
            Interlocked.Add(ref _bytes, (sizeof(float) * ((long)message.Hidden.Length + reply.Output.Length)) + (sizeof(long) * 3L * message.Positions.Length));
            return reply.Output;
        }
        catch (StageEpochException ex)
        {
            LogStageReset(_logger, Replica, stage, ex.Message);
            throw new StageResetException(stage, $"stage {stage} of replica '{Replica}' lost its KV cache: {ex.Message}");
        }
    }

    public async Task ResetAsync(int stage, CancellationToken cancellationToken = default)
    {
        StageActivation activation = await WithRetryAsync(stage, async () =>
        {
            // Load is idempotent: a stage whose state was lost with its silo learns its spec again here.
            await Shard(stage).LoadAsync(_specs[stage]);
            return await Shard(stage).ResetAsync();
        }, cancellationToken);
        Record(stage, activation);
    }

    private void Record(int stage, StageActivation activation)
    {
        Volatile.Write(ref _activations[stage], activation);
    }

    /// <summary>Unloads every stage (the replica drained or was replaced).</summary>
    public Task ReleaseAsync() => Task.WhenAll(Enumerable.Range(0, _specs.Length).Select(s => Shard(s).ReleaseAsync()));

    // Transport failures (the silo died, the call timed out, the message was rejected) are retried until Patience runs
    // out; anything the stage itself threw (a bad step, a lost epoch) is not.
    private async Task<T> WithRetryAsync<T>(int stage, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        long started = _clock.GetTimestamp();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && _clock.GetElapsedTime(started) < Patience && !cancellationToken.IsCancellationRequested)
            {
                LogRetry(_logger, Replica, stage, ex.GetType().Name, ex.Message);
                await Task.Delay(RetryPause, _clock, cancellationToken); // a back-off between attempts, not synchronisation
            }
        }
    }

    // A placement refusal is not transient: no silo has room for the stage, and waiting would only hold the replica's call.
    private static bool IsTransient(Exception ex) =>
        ex is TimeoutException or OrleansException or SiloUnavailableException
        && ex is not StageEpochException and not PlacementRefusedException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica}: stage {Stage} lost its KV cache ({Reason}); replaying")]
    private static partial void LogStageReset(ILogger logger, string replica, int stage, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica}: stage {Stage} unreachable ({Error}: {Message}); retrying")]
    private static partial void LogRetry(ILogger logger, string replica, int stage, string error, string message);
}
