namespace ActorAI.Client;

/// <summary>How to reach an ActorAI cluster.</summary>
public sealed class ActorAIClientOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "ActorAI";

    /// <summary>Cluster id; must match the silos' <c>Silo:ClusterId</c>. Default <c>actorai-dev</c>.</summary>
    public string ClusterId { get; set; } = "actorai-dev";

    /// <summary>Service id; must match the silos' <c>Silo:ServiceId</c>. Default <c>actorai</c>.</summary>
    public string ServiceId { get; set; } = "actorai";

    /// <summary>
    /// Gateways to connect to directly, as <c>host:port</c>, when <see cref="PostgresConnectionString"/> is not set.
    /// Default <c>127.0.0.1:30000</c> (a dev silo).
    /// </summary>
    public List<string> Gateways { get; set; } = ["127.0.0.1:30000"];

    /// <summary>
    /// When set, discover gateways from the cluster's PostgreSQL membership table instead of <see cref="Gateways"/>,
    /// so the client follows silos as they come and go.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// This client's certificate (PEM) for a cluster with mutual TLS (<c>Tls:Enabled</c> on the silos), issued by the
    /// cluster's CA. Set it with <see cref="TlsKeyPath"/> and <see cref="TlsCaPath"/>, or none of the three (plaintext,
    /// the default, which such a cluster refuses).
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>The cluster's CA certificate (PEM): the gateway's certificate must chain to it.</summary>
    public string? TlsCaPath { get; set; }

    /// <summary>Whether the TLS settings are given (all three are required then).</summary>
    public bool UsesTls => !string.IsNullOrWhiteSpace(TlsCertificatePath) || !string.IsNullOrWhiteSpace(TlsKeyPath) || !string.IsNullOrWhiteSpace(TlsCaPath);

    /// <summary>How long <see cref="ActorAIClient.ConnectAsync"/> keeps trying before giving up. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where this client looks for the cluster, for messages.</summary>
    public string Describe() => string.IsNullOrWhiteSpace(PostgresConnectionString)
        ? $"gateway {string.Join(", ", Gateways)} (cluster '{ClusterId}')"
        : $"PostgreSQL membership (cluster '{ClusterId}')";
}
