using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorAI.Abstractions.Serving;
using Orleans.Runtime;

namespace ActorAI.Client;

/// <summary>
/// Routes generation requests of one client (or silo front) to replicas: the canary's share by weighted coin, then
/// the replica with the fewest requests this router has outstanding on it. A request that fails before its first
/// token — the replica drained, its silo died, its queue was full — is retried on another replica.
/// </summary>
internal sealed class DeploymentRouter(IGrainFactory grains, TimeProvider clock)
{
    // Routing tables are re-read this often; a drain or failure re-reads at once.
    private static readonly TimeSpan TableLifetime = TimeSpan.FromSeconds(1);
    // A replica whose call failed is avoided this long (its silo may be dead but not yet declared so).
    private static readonly TimeSpan SuspectFor = TimeSpan.FromSeconds(5);
    private const int MaxAttempts = 12;
    private static readonly ActivitySource Source = new(ActorAIClientDiagnostics.ActivitySourceName);

    private readonly ConcurrentDictionary<string, (RoutingTable Table, DateTimeOffset ReadAt)> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _outstanding = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _suspects = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<GenerationChunk> GenerateAsync(
        string deployment, GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One span per routed request; Orleans carries it to the replica's silo, where the replica's spans hang under it.
        using Activity? span = Source.StartActivity("route generate", ActivityKind.Client);
        span?.SetTag("actorai.deployment", deployment);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        Exception? lastFailure = null;
        ServiceOverloadedException? overloaded = null;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RoutingTable table = await TableAsync(deployment, refresh: attempt > 0, wake: false).ConfigureAwait(false);
            string? replica = Pick(table, refused);
            if (replica is null && refused.Count == 0)
            {
                // Nothing ready (scaled to zero, or every replica suspect): ask the deployment to start one and wait for it.
                table = await TableAsync(deployment, refresh: true, wake: true).ConfigureAwait(false);
                replica = Pick(table, refused);
            }
            if (replica is null)
            {
                if (overloaded is not null && refused.Count >= table.Replicas.Count + table.CanaryReplicas.Count)
                {
                    throw overloaded;
                }
                // Every candidate refused or failed: give the deployment a moment to replace them.
                await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), clock, cancellationToken).ConfigureAwait(false);
                refused.Clear();
                continue;
            }

            _outstanding.AddOrUpdate(replica, 1, (_, n) => n + 1);
            span?.SetTag("actorai.replica", replica);
            span?.SetTag("actorai.attempts", attempt + 1);
            IAsyncEnumerator<GenerationChunk>? stream = null;
            bool started = false;
            try
            {
                stream = grains.GetGrain<IReplicaGrain>(replica).GenerateAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
                try
                {
                    started = await stream.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsRetryable(ex) && !cancellationToken.IsCancellationRequested)
                {
                    // Nothing reached the caller yet: try elsewhere.
                    refused.Add(replica);
                    lastFailure = ex;
                    if (ex is ServiceOverloadedException o)
                    {
                        overloaded = o;
                    }
                    else
                    {
                        if (ex is not ReplicaUnavailableException)
                        {
                            _suspects[replica] = clock.GetUtcNow() + SuspectFor;
                        }
                        // Unreachable, or refusing (draining, or failed): the deployment re-polls it now rather than at
                        // its next tick, and replaces it if it failed.
                        _ = grains.GetGrain<IDeploymentGrain>(deployment).ReportReplicaFailureAsync(replica);
                    }
                    _tables.TryRemove(deployment, out _);
                    continue;
                }
                if (!started)
                {
                    yield break;
                }
                yield return stream.Current;
                while (await stream.MoveNextAsync().ConfigureAwait(false))
                {
                    yield return stream.Current;
                }
                yield break;
            }
            finally
            {
                _outstanding.AddOrUpdate(replica, 0, (_, n) => Math.Max(0, n - 1));
                if (stream is not null)
                {
                    await DisposeQuietlyAsync(stream).ConfigureAwait(false);
                }
            }
        }
        throw lastFailure as ServiceOverloadedException
            ?? new ServiceOverloadedException($"deployment '{deployment}' has no replica that can take the request ({lastFailure?.Message ?? "none ready"})", TimeSpan.FromSeconds(1));
    }

    private async Task<RoutingTable> TableAsync(string deployment, bool refresh, bool wake)
    {
        DateTimeOffset now = clock.GetUtcNow();
        if (!refresh && !wake && _tables.TryGetValue(deployment, out var cached) && now - cached.ReadAt < TableLifetime)
        {
            return cached.Table;
        }
        RoutingTable table = await grains.GetGrain<IDeploymentGrain>(deployment).GetRoutingTableAsync(wake).ConfigureAwait(false);
        _tables[deployment] = (table, now);
        return table;
    }

    private string? Pick(RoutingTable table, HashSet<string> refused)
    {
        DateTimeOffset now = clock.GetUtcNow();
        bool Usable(string r) => !refused.Contains(r) && !(_suspects.TryGetValue(r, out DateTimeOffset until) && until > now);
        var main = table.Replicas.Where(Usable).ToList();
        var canary = table.CanaryReplicas.Where(Usable).ToList();
        bool toCanary = canary.Count > 0 && (main.Count == 0 || Random.Shared.Next(100) < table.CanaryPercent);
        List<string> pool = toCanary ? canary : main;
        if (pool.Count == 0)
        {
            return null;
        }
        // Fewest outstanding (one snapshot: other requests change the counts concurrently); ties broken at random so
        // idle replicas share the work.
        var counts = pool.Select(r => (Replica: r, Count: _outstanding.GetValueOrDefault(r))).ToList();
        int least = counts.Min(c => c.Count);
        var best = counts.Where(c => c.Count == least).ToList();
        return best[Random.Shared.Next(best.Count)].Replica;
    }

    private static bool IsRetryable(Exception ex) =>
        ex is ReplicaUnavailableException or ServiceOverloadedException or TimeoutException
        || (ex is OrleansException && ex is not GenerationRequestException);

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<GenerationChunk> stream)
    {
        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException)
        {
            // The replica (or its silo) is gone; there is nothing left to release.
        }
    }
}
