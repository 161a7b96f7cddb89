using System.Diagnostics.Metrics;
using Orleans.Runtime;

namespace ActorAI.Grains.Diagnostics;

/// <summary>
/// <c>actorai:cluster_silos{status}</c>: the silos this silo's membership view holds, by status (active, joining,
/// shutting_down, dead, ...). Activations by grain type come from Orleans' own meter (<c>orleans_grains{type}</c>).
/// </summary>
public sealed class ClusterTelemetry
{
    /// <summary>Creates the gauge on <paramref name="meters"/>; null leaves metrics off.</summary>
    public ClusterTelemetry(IMeterFactory? meters, IClusterMembershipService membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        if (meters is null)
        {
            return;
        }
        Meter meter = meters.Create(ActorAITelemetry.ClusterMeter);
        meter.CreateObservableGauge("actorai:cluster_silos", () => Observe(membership), description: "Silos in this silo's membership view, by status.");
    }

    private static IEnumerable<Measurement<int>> Observe(IClusterMembershipService membership)
    {
        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        foreach (SiloStatus status in new[] { SiloStatus.Created, SiloStatus.Joining, SiloStatus.Active, SiloStatus.ShuttingDown, SiloStatus.Stopping, SiloStatus.Dead })
        {
            int count = snapshot.Members.Values.Count(m => m.Status == status);
            yield return new Measurement<int>(count, new KeyValuePair<string, object?>("status", Name(status)));
        }
    }

    private static string Name(SiloStatus status) => status switch
    {
        SiloStatus.ShuttingDown => "shutting_down",
        _ => status.ToString().ToLowerInvariant(),
    };
}
