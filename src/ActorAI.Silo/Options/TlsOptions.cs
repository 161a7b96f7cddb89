namespace ActorAI.Silo.Options;

/// <summary>
/// Mutual TLS on the silo's Orleans connections (silo to silo, and clients at the gateway). Section <c>Tls</c>.
/// Every silo and client presents a certificate issued by the cluster's CA and accepts only peers whose certificate
/// chains to that CA; <c>scripts/certs.sh</c> makes such certificates. The HTTP front has its own certificate
/// (<see cref="HttpOptions.CertificatePath"/>).
/// </summary>
public sealed class TlsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tls";

    /// <summary>
    /// Whether Orleans connections use mutual TLS. Default false (the dev profile: one host, loopback only). Required
    /// when <c>Silo:Clustering</c> is Postgres and <c>Silo:AdvertisedAddress</c> is not a loopback address.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>This silo's certificate (PEM), issued by the CA at <see cref="CaPath"/>. Required when enabled.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The private key of <see cref="CertificatePath"/> (PEM, unencrypted; keep it mode 0600). Required when enabled.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The cluster's CA certificate(s) (PEM): the only trust anchors for peers. Required when enabled.</summary>
    public string? CaPath { get; set; }
}
