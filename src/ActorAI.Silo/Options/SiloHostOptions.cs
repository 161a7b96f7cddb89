namespace ActorAI.Silo.Options;

/// <summary>Where a provider keeps its data.</summary>
public enum ProviderKind
{
    /// <summary>In this process (clustering: localhost only). Lost when the silo stops.</summary>
    Memory,
    /// <summary>PostgreSQL through Orleans' ADO.NET providers (Npgsql); needs <c>Postgres:ConnectionString</c>.</summary>
    Postgres,
}

/// <summary>The silo itself: identity, endpoints and providers. Section <c>Silo</c>.</summary>
public sealed class SiloHostOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Silo";

    /// <summary>Cluster id: silos with the same id (and membership store) form one cluster. Default <c>actorai-dev</c>.</summary>
    public string ClusterId { get; set; } = "actorai-dev";

    /// <summary>Service id: the identity persisted state is keyed by; keep it stable across deployments. Default <c>actorai</c>.</summary>
    public string ServiceId { get; set; } = "actorai";

    /// <summary>Silo name shown in status; default <c>{machine}-{SiloPort}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Membership: <see cref="ProviderKind.Memory"/> means localhost clustering (one host). Default Memory.</summary>
    public ProviderKind Clustering { get; set; } = ProviderKind.Memory;

    /// <summary>Grain state storage. Default Memory.</summary>
    public ProviderKind Storage { get; set; } = ProviderKind.Memory;

    /// <summary>Reminder storage. Default Memory.</summary>
    public ProviderKind Reminders { get; set; } = ProviderKind.Memory;

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The IP address other silos and clients reach this silo at. Default 127.0.0.1 (one host); set it to the
    /// host's address for a cluster spanning machines. The silo listens on all addresses when it is not loopback.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Free-form roles advertised in silo metadata (e.g. <c>train</c>, <c>serve</c>).</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>LibTorch intra-op threads for compute on this silo; 0 keeps LibTorch's default.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// The most memory (bytes) this silo offers to compute grains (trainers, parameter shards, replicas): placement puts
    /// a grain here only while the needs its grains declared fit under min(memory, budget) — GPU memory on a GPU silo.
    /// Unset (the default): the whole memory. Leave room for the silo itself and for requests in flight.
    /// </summary>
    public long? MemoryBudget { get; set; }

    /// <summary>The silo name to use: <see cref="Name"/> or a default from the machine and port.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? $"{Environment.MachineName}-{SiloPort}" : Name;
}
