namespace ActorAI.Silo.Options;

/// <summary>The silo's HTTP front (health, dashboard, APIs). Section <c>Http</c>.</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Http";

    /// <summary>Address to listen on. Default 127.0.0.1 (loopback only).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free port. Default 8080.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>
    /// A PEM certificate for HTTPS. When set (with <see cref="KeyPath"/>), the front listens with HTTPS only on
    /// <see cref="Port"/>. Default none: plain HTTP, which is meant for loopback.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>; required with it.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Path the Orleans dashboard is served under (admin only). Default <c>/orleans</c>.</summary>
    public string DashboardPath { get; set; } = "/orleans";

    /// <summary>Largest JSON request body the OpenAI and admin APIs read, in bytes (larger: HTTP 413). Default 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
