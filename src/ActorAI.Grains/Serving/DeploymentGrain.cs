using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;
using Microsoft.Extensions.Logging;
using ActorAI.Grains.Placement;
using Orleans.Concurrency;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace ActorAI.Grains.Serving;

/// <summary>A replica the deployment owns.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ReplicaRecord")]
public sealed record ReplicaRecord([property: Id(0)] string Id, [property: Id(1)] int Version);

/// <summary>Persistent state of a deployment.</summary>
[GenerateSerializer, Alias("ActorAI.DeploymentState")]
public sealed record DeploymentState
{
    [Id(0)] public DeploymentSpec? Spec { get; init; }
    [Id(1)] public int Version { get; init; }
    [Id(2)] public int? CanaryVersion { get; init; }
    [Id(3)] public ImmutableList<ReplicaRecord> Replicas { get; init; } = [];
    [Id(4)] public int NextReplica { get; init; }
    [Id(5)] public int Desired { get; init; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// A deployment. Reentrant so routers read the routing table while replicas load; every change of the replica set
/// goes through <see cref="ReconcileAsync"/>, which runs one at a time.
/// </summary>
[Reentrant]
internal sealed partial class DeploymentGrain(
    [PersistentState("deployment", ProviderNames.GrainStorage)] IPersistentState<DeploymentState> state,
    TimeProvider clock,
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    ILogger<DeploymentGrain> logger) : Grain, IDeploymentGrain, IRemindable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(3);
    private const string ReminderName = "deployment";

    private readonly SemaphoreSlim _reconciling = new(1, 1);
    // Replica id → last polled load; a replica is routed to only while its last poll (or start) succeeded.
    private readonly Dictionary<string, ReplicaLoad> _loads = new(StringComparer.Ordinal);
    // Replicas draining (id → version): out of the state and the routing table, finishing their requests.
    private readonly Dictionary<string, int> _draining = new(StringComparer.Ordinal);
    private RoutingTable? _table;
    private long _revision;
    private RoutingTable? _published;
    private string? _lastError;
    private DateTimeOffset _lastBusyAt;
    private IGrainTimer? _timer;

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastBusyAt = clock.GetUtcNow();
        if (state.State.Spec is not null)
        {
            StartTimer();
        }
        return Task.CompletedTask;
    }

    public async Task<DeploymentInfo> ApplyAsync(DeploymentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<string> errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new DeploymentException(errors);
        }
        (ModelVersion main, ModelVersion? canary) = await ResolveAsync(spec);
        await _reconciling.WaitAsync();
        try
        {
            int desired = state.State.Spec is null ? spec.MinReplicas : Math.Clamp(state.State.Desired, spec.MinReplicas, spec.MaxReplicas);
            state.State = state.State with
            {
                Spec = spec, Version = main.Version, CanaryVersion = canary?.Version, Desired = desired, UpdatedAt = clock.GetUtcNow(),
            };
            await state.WriteStateAsync();
        }
        finally
        {
            _reconciling.Release();
        }
        await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.Deployments).AddAsync(Name);
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        _lastError = null;
        StartTimer();
        // Replicas load in the background; WaitForDeploymentAsync (or GetAsync) follows them.
        _ = ReconcileAsync(wait: true);
        return Info();
    }

    public Task<DeploymentInfo> GetAsync() => Task.FromResult(Info());

    public async Task<RoutingTable> GetRoutingTableAsync(bool wake)
    {
        if (state.State.Spec is null)
        {
            throw new DeploymentNotFoundException(Name);
        }
        RoutingTable table = Table();
        if (wake && table.Replicas.Count + table.CanaryReplicas.Count == 0)
        {
            _lastBusyAt = clock.GetUtcNow();
            if (state.State.Desired == 0)
            {
                state.State = state.State with { Desired = 1 };
            }
            await ReconcileAsync(wait: true);
            table = Table();
            if (table.Replicas.Count + table.CanaryReplicas.Count == 0)
            {
                throw new DeploymentException($"deployment '{Name}' has no replica that can serve: {_lastError ?? "replicas are still loading"}");
            }
        }
        return table;
    }

    public Task ReportReplicaFailureAsync(string replicaId)
    {
        if (_loads.Remove(replicaId))
        {
            _table = null;
            LogReplicaFailed(logger, Name, replicaId);
            _ = ReconcileAsync(wait: false);
        }
        return Task.CompletedTask;
    }

    public async Task<DeploymentInfo> RefreshAsync()
    {
        if (state.State.Spec is null)
        {
            throw new DeploymentNotFoundException(Name);
        }
        await ReconcileAsync(wait: true);
        return Info();
    }

    public async Task DeleteAsync()
    {
        await _reconciling.WaitAsync();
        try
        {
            _timer?.Dispose();
            _timer = null;
            await Task.WhenAll(state.State.Replicas.Select(r => DrainAsync(r.Id)));
            _loads.Clear();
            _table = null;
            await state.ClearStateAsync();
            state.State = new DeploymentState();
            await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.Deployments).RemoveAsync(Name);
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        finally
        {
            _reconciling.Release();
        }
        DeactivateOnIdle();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // keeps the deployment active after restarts

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(_ => ReconcileAsync(wait: false), new GrainTimerCreationOptions(Tick, Tick) { Interleave = true, KeepAlive = true });

    /// <summary>
    /// One pass: resolve the versions (an alias may have moved), poll the replicas, autoscale, start missing replicas,
    /// and drain the ones no longer wanted — old versions only once the new version's replicas serve.
    /// </summary>
    private async Task ReconcileAsync(bool wait)
    {
        if (!wait && _reconciling.CurrentCount == 0)
        {
            return; // a pass is running; the next tick comes soon
        }
        await _reconciling.WaitAsync();
        try
        {
            DeploymentSpec? spec = state.State.Spec;
            if (spec is null)
            {
                return;
            }
            await FollowVersionsAsync(spec);
            await PollAsync();
            await RetireAsync(ReplicaPlanner.ToReplace(state.State.Replicas.Where(r => !_draining.ContainsKey(r.Id)), _loads), "faulted");
            Autoscale(spec);
            await StartMissingAsync(spec);
            await DrainUnwantedAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _lastError = ex.Message;
            LogReconcileFailed(logger, ex, Name);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    private async Task FollowVersionsAsync(DeploymentSpec spec)
    {
        try
        {
            (ModelVersion main, ModelVersion? canary) = await ResolveAsync(spec);
            if (main.Version != state.State.Version || canary?.Version != state.State.CanaryVersion)
            {
                LogVersionChanged(logger, Name, state.State.Version, main.Version);
                state.State = state.State with { Version = main.Version, CanaryVersion = canary?.Version, UpdatedAt = clock.GetUtcNow() };
                await state.WriteStateAsync();
            }
        }
        catch (DeploymentException ex)
        {
            _lastError = ex.Message; // keep serving what runs
        }
    }

    private async Task PollAsync()
    {
        // All at once: one unreachable replica (up to PollTimeout) must not delay the others' loads.
        var polls = state.State.Replicas.Where(r => !_draining.ContainsKey(r.Id))
            .Select(async r => (r.Id, Load: await PollAsync(r.Id))).ToList();
        foreach ((string id, ReplicaLoad? load) in await Task.WhenAll(polls))
        {
            if (load is null)
            {
                _loads.Remove(id); // its silo is gone or unreachable; StartMissing brings it back
            }
            else
            {
                _loads[id] = load;
            }
        }
        _table = null;
    }

    private async Task<ReplicaLoad?> PollAsync(string replicaId)
    {
        try
        {
            return await GrainFactory.GetGrain<IReplicaGrain>(replicaId).GetLoadAsync().WaitAsync(PollTimeout);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return null;
        }
    }

    private void Autoscale(DeploymentSpec spec)
    {
        DateTimeOffset now = clock.GetUtcNow();
        var serving = Ready(state.State.Version).ToList();
        int outstanding = serving.Sum(r => _loads[r].Outstanding);
        int desired = state.State.Desired;
        if (outstanding > 0)
        {
            _lastBusyAt = now;
        }
        if (serving.Count > 0 && serving.Count >= desired && outstanding > spec.TargetOutstanding * serving.Count && desired < spec.MaxReplicas)
        {
            desired++;
            _lastBusyAt = now;
        }
        else if (outstanding == 0 && desired > spec.MinReplicas && now - _lastBusyAt >= spec.ScaleDownDelay)
        {
            desired--;
            _lastBusyAt = now; // one replica per delay
        }
        if (desired != state.State.Desired)
        {
            LogScaled(logger, Name, state.State.Desired, desired);
            state.State = state.State with { Desired = desired, UpdatedAt = now };
        }
    }

    private async Task StartMissingAsync(DeploymentSpec spec)
    {
        var missing = Wanted(spec, state.State.Version, state.State.Desired);
        if (state.State.CanaryVersion is int canary && spec.Canary is { } c)
        {
            int count = state.State.Desired == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(state.State.Desired * c.Percent / 100.0));
            missing.AddRange(Wanted(spec, canary, count));
        }
        await state.WriteStateAsync();
        Dictionary<string, SiloAddress> hints = Spread(missing);
        await Task.WhenAll(missing.Select(r => StartAsync(spec, r, hints.GetValueOrDefault(r.Id))));
    }

    // Replicas that will (re)activate go to the eligible silos running the fewest of this deployment's replicas, so a
    // replica lost with its silo does not land beside a sibling while another silo is free.
    private Dictionary<string, SiloAddress> Spread(List<ReplicaRecord> starting)
    {
        var hints = new Dictionary<string, SiloAddress>(StringComparer.Ordinal);
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        SiloAddress[] eligible = ComputePlacementDirector.Eligible(active, metadata, ServingPlacement.ServeRole);
        if (eligible.Length == 0)
        {
            return hints;
        }
        var counts = eligible.ToDictionary(s => s.ToParsableString(), _ => 0, StringComparer.Ordinal);
        foreach (ReplicaLoad load in _loads.Values)
        {
            if (counts.ContainsKey(load.Silo))
            {
                counts[load.Silo]++;
            }
        }
        foreach (ReplicaRecord replica in starting.Where(r => !_loads.ContainsKey(r.Id)))
        {
            SiloAddress silo = eligible.OrderBy(s => counts[s.ToParsableString()]).First();
            counts[silo.ToParsableString()]++;
            hints[replica.Id] = silo;
        }
        return hints;
    }

    // The replicas of a version that should run: existing ones not draining, plus new records up to the count.
    private List<ReplicaRecord> Wanted(DeploymentSpec spec, int version, int count)
    {
        var existing = state.State.Replicas.Where(r => r.Version == version && !_draining.ContainsKey(r.Id)).ToList();
        while (existing.Count < count)
        {
            var record = new ReplicaRecord($"{Name}/{state.State.NextReplica}", version);
            state.State = state.State with { Replicas = state.State.Replicas.Add(record), NextReplica = state.State.NextReplica + 1 };
            existing.Add(record);
        }
        return existing.Where(r => !_loads.TryGetValue(r.Id, out ReplicaLoad? load) || load.State != ReplicaState.Ready).ToList();
    }

    private async Task StartAsync(DeploymentSpec spec, ReplicaRecord replica, SiloAddress? hint)
    {
        try
        {
            ModelVersion version = await GrainFactory.GetGrain<IModelGrain>(spec.Model).ResolveAsync(replica.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var replicaSpec = new ReplicaSpec(Name, spec.Model, version.Version, version.Artifact, version.Lineage.Tokenizer ?? "byte", spec.MaxBatch, spec.MaxQueue,
                spec.MaxBatchedTokens, spec.BlockSize, spec.KvCacheTokens, spec.PrefixCaching);
            // Declared before the replica's first call (placement reads it), and refused here when no silo has room; a
            // model that fits no silo whole is split into the fewest stages that fit (unless the spec fixes the stages).
            replicaSpec = await ComputeNeeds.DeclareReplicaAsync(GrainFactory, metadata, membership, replica.Id, version.Lineage.Config, replicaSpec,
                spec.Stages, hint, mayBeRunning: _loads.ContainsKey(replica.Id));
            if (hint is not null)
            {
                // Honoured by the serving placement director only when this call creates the activation.
                RequestContext.Set(IPlacementDirector.PlacementHintKey, hint);
            }
            _loads[replica.Id] = await GrainFactory.GetGrain<IReplicaGrain>(replica.Id).StartAsync(replicaSpec);
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            _table = null;
            _lastError = null;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or ReplicaUnavailableException or ModelRegistryException)
        {
            _lastError = ex is PlacementRefusedException ? ex.Message : $"replica {replica.Id}: {ex.Message}";
            LogStartFailed(logger, ex, Name, replica.Id);
        }
    }

    private async Task DrainUnwantedAsync()
    {
        int desired = state.State.Desired;
        var unwanted = new List<ReplicaRecord>();
        bool mainComplete = Ready(state.State.Version).Count() >= Math.Max(1, desired);
        foreach (IGrouping<int, ReplicaRecord> group in state.State.Replicas.Where(r => !_draining.ContainsKey(r.Id)).GroupBy(r => r.Version))
        {
            if (group.Key == state.State.Version)
            {
                // Scale down: the idlest go.
                unwanted.AddRange(group.OrderByDescending(r => _loads.GetValueOrDefault(r.Id)?.Outstanding ?? 0).Skip(desired));
            }
            else if (group.Key != state.State.CanaryVersion && (mainComplete || desired == 0))
            {
                unwanted.AddRange(group); // an old version: only once the new one serves
            }
        }
        await RetireAsync(unwanted, "unwanted");
    }

    // Out of the routing table and the state at once; draining (which waits for their running requests) goes on while
    // reconciling, scaling and failover carry on — a retired replica's place is taken by a new one.
    private async Task RetireAsync(IReadOnlyList<ReplicaRecord> unwanted, string why)
    {
        if (unwanted.Count == 0)
        {
            return;
        }
        foreach (ReplicaRecord r in unwanted)
        {
            _draining[r.Id] = r.Version;
            _loads.Remove(r.Id);
        }
        _table = null; // routers see a table without them before they start refusing
        var gone = unwanted.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        state.State = state.State with { Replicas = state.State.Replicas.RemoveAll(r => gone.Contains(r.Id)), UpdatedAt = clock.GetUtcNow() };
        await state.WriteStateAsync();
        foreach (string id in gone)
        {
            LogRetired(logger, Name, id, why);
            _ = DrainThenForgetAsync(id);
        }
    }

    private async Task DrainThenForgetAsync(string replicaId)
    {
        await DrainAsync(replicaId);
        _draining.Remove(replicaId);
    }

    private async Task DrainAsync(string replicaId)
    {
        try
        {
            await GrainFactory.GetGrain<IReplicaGrain>(replicaId).DrainAsync().WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogDrainFailed(logger, ex, Name, replicaId); // its silo is gone: nothing left to drain
        }
    }

    private async Task<(ModelVersion Main, ModelVersion? Canary)> ResolveAsync(DeploymentSpec spec)
    {
        IModelGrain model = GrainFactory.GetGrain<IModelGrain>(spec.Model);
        try
        {
            ModelVersion main = await model.ResolveAsync(spec.Version);
            ModelVersion? canary = spec.Canary is { } c ? await model.ResolveAsync(c.Version) : null;
            return (main, canary?.Version == main.Version ? null : canary);
        }
        catch (ModelRegistryException ex)
        {
            throw new DeploymentException($"model: {ex.Message}");
        }
    }

    private IEnumerable<string> Ready(int version) =>
        state.State.Replicas.Where(r => r.Version == version && !_draining.ContainsKey(r.Id)
            && _loads.TryGetValue(r.Id, out ReplicaLoad? l) && l.State == ReplicaState.Ready).Select(r => r.Id);

    private RoutingTable Table()
    {
        if (_table is not null)
        {
            return _table;
        }
        DeploymentState s = state.State;
        var main = Ready(s.Version).ToList();
        if (main.Count == 0)
        {
            // Rolling over: the old version serves until the new one is loaded.
            main = s.Replicas.Where(r => r.Version != s.CanaryVersion).Select(r => r.Version).Distinct()
                .SelectMany(Ready).ToList();
        }
        var canary = s.CanaryVersion is int c ? Ready(c).ToList() : [];
        int context = _loads.Values.Select(l => l.ContextLength).DefaultIfEmpty(0).Max();
        var table = new RoutingTable(Name, _revision, s.Spec!.Model, s.Version, main, s.CanaryVersion, canary, s.Spec.Canary?.Percent ?? 0, context);
        // The revision moves only when what routers act on changed (the table is rebuilt after every poll).
        bool same = _published is { } p && p.Model == table.Model && p.Version == table.Version && p.CanaryVersion == table.CanaryVersion
            && p.CanaryPercent == table.CanaryPercent && p.ContextLength == table.ContextLength
            && p.Replicas.SequenceEqual(table.Replicas) && p.CanaryReplicas.SequenceEqual(table.CanaryReplicas);
        _table = _published = same ? _published! : table with { Revision = ++_revision };
        return _table;
    }

    private DeploymentInfo Info()
    {
        DeploymentState s = state.State;
        if (s.Spec is null)
        {
            return new DeploymentInfo(Name, null, DeploymentStatus.None, 0, null, [], null, s.UpdatedAt);
        }
        var replicas = s.Replicas.Select(r =>
        {
            ReplicaLoad? load = _loads.GetValueOrDefault(r.Id);
            return new ReplicaInfo(r.Id, r.Version, load?.State ?? ReplicaState.Loading, load?.Silo, load?.Outstanding ?? 0, load?.StageSilos);
        }).ToList();
        var draining = _draining.Select(d => new ReplicaInfo(d.Key, d.Value, ReplicaState.Draining, null, 0)).ToList();
        bool serving = Ready(s.Version).Any();
        DeploymentStatus status = serving ? DeploymentStatus.Ready
            : s.Desired == 0 && replicas.Count == 0 ? DeploymentStatus.Idle
            : _lastError is not null && replicas.Count > 0 && replicas.All(r => r.State == ReplicaState.Failed) ? DeploymentStatus.Failed
            : DeploymentStatus.Starting;
        return new DeploymentInfo(Name, s.Spec, status, s.Version, s.CanaryVersion, [.. replicas, .. draining], _lastError, s.UpdatedAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: version {From} -> {To}")]
    private static partial void LogVersionChanged(ILogger logger, string deployment, int from, int to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replicas {From} -> {To}")]
    private static partial void LogScaled(ILogger logger, string deployment, int from, int to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deployment {Deployment}: a router could not reach replica {Replica}")]
    private static partial void LogReplicaFailed(ILogger logger, string deployment, string replica);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deployment {Deployment}: replica {Replica} did not start")]
    private static partial void LogStartFailed(ILogger logger, Exception ex, string deployment, string replica);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {Replica} retired ({Why})")]
    private static partial void LogRetired(ILogger logger, string deployment, string replica, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deployment {Deployment}: replica {Replica} could not be drained")]
    private static partial void LogDrainFailed(ILogger logger, Exception ex, string deployment, string replica);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deployment {Deployment}: reconcile failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception ex, string deployment);
}
