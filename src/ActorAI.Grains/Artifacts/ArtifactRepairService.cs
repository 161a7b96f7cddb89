using ActorAI.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// Runs on every silo; the oldest-addressed active silo acts: on each membership change and every
/// <see cref="ArtifactPlaneOptions.RepairInterval"/> it asks every directory partition to copy artifacts left with
/// fewer than the wanted copies onto live stores. Also clears stale temporary files at start.
/// </summary>
internal sealed partial class ArtifactRepairService(
    FileArtifactStore local,
    ArtifactTopology topology,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IGrainFactory grains,
    ILogger<ArtifactRepairService> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0);
    private Task _loop = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ArtifactRepairService), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        int stale = local.DeleteStaleTemporaryFiles(TimeSpan.FromDays(1));
        if (stale > 0)
        {
            LogStaleFiles(stale);
        }
        _watch = Task.Run(WatchMembershipAsync, CancellationToken.None);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loop, _watch).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchMembershipAsync()
    {
        try
        {
            await foreach (ClusterMembershipSnapshot _ in membership.MembershipUpdates.WithCancellation(_stopping.Token).ConfigureAwait(false))
            {
                _wake.Release();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(topology.Options.RepairInterval, _stopping.Token).ConfigureAwait(false);
                while (_wake.CurrentCount > 0)
                {
                    await _wake.WaitAsync(_stopping.Token).ConfigureAwait(false); // one pass for a burst of changes
                }
                if (topology.ActiveSilos().FirstOrDefault() is { } leader && leader.Equals(silo.SiloAddress))
                {
                    await RepairOnceAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRepairFailed(ex);
            }
        }
    }

    /// <summary>One repair pass over every partition; returns the copies started.</summary>
    public async Task<int> RepairOnceAsync()
    {
        IReadOnlyList<string> live = topology.LiveStores();
        int wanted = topology.Wanted(live.Count);
        int[] started = await Task.WhenAll(ArtifactDirectoryGrain.Partitions.Select(p =>
            grains.GetGrain<IArtifactDirectoryGrain>(p).RepairAsync(live, wanted))).ConfigureAwait(false);
        return started.Sum();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Artifact store: deleted {Count} stale temporary files")]
    private partial void LogStaleFiles(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Artifact repair pass failed; the next pass retries")]
    private partial void LogRepairFailed(Exception error);
}
