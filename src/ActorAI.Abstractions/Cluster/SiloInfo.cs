namespace ActorAI.Abstractions.Cluster;

/// <summary>The lifecycle status of a silo, as recorded in the cluster membership table.</summary>
public enum SiloState
{
    /// <summary>The status is not known.</summary>
    Unknown = 0,
    /// <summary>The silo process started but has not joined yet.</summary>
    Created = 1,
    /// <summary>The silo is joining the cluster.</summary>
    Joining = 2,
    /// <summary>The silo is a live member of the cluster.</summary>
    Active = 3,
    /// <summary>The silo is shutting down gracefully.</summary>
    ShuttingDown = 4,
    /// <summary>The silo is stopping.</summary>
    Stopping = 5,
    /// <summary>The silo stopped or was declared dead by the cluster.</summary>
    Dead = 6,
}

/// <summary>One silo of the cluster: identity, membership status and advertised resources.</summary>
/// <param name="Address">The silo address (<c>ip:port@generation</c>).</param>
/// <param name="Name">The silo name from configuration.</param>
/// <param name="HostName">The host the silo runs on.</param>
/// <param name="Status">Membership status.</param>
/// <param name="StartTime">When the silo started.</param>
/// <param name="LastHeartbeat">The silo's last "I am alive" time in the membership table.</param>
/// <param name="GatewayPort">The client gateway port, 0 when the silo has no gateway.</param>
/// <param name="Resources">Advertised resources; <see langword="null"/> when not known (e.g. a dead silo).</param>
[GenerateSerializer, Immutable, Alias("ActorAI.SiloInfo")]
public sealed record SiloInfo(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string HostName,
    [property: Id(3)] SiloState Status,
    [property: Id(4)] DateTimeOffset StartTime,
    [property: Id(5)] DateTimeOffset LastHeartbeat,
    [property: Id(6)] int GatewayPort,
    [property: Id(7)] SiloResources? Resources);
