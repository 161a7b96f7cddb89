using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace ActorAI.Client;

/// <summary>
/// The certificates of one member of an ActorAI cluster for mutual TLS: its own certificate with the private key, and
/// the cluster's certificate authority, the only trust anchor a peer's certificate is checked against (the system
/// store plays no part). Silos and clients load theirs from PEM files, e.g. those <c>scripts/certs.sh</c> makes.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private readonly X509Certificate2Collection _authorities;

    private ClusterCertificates(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
    }

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Loads a PEM certificate, its PEM private key and the cluster's PEM CA certificate(s), and checks that the
    /// certificate is issued by that CA.
    /// </summary>
    /// <exception cref="CryptographicException">A file is unreadable or not PEM, the key does not match the certificate,
    /// or the certificate is not valid under the CA; the message says which.</exception>
    public static ClusterCertificates Load(string certificatePath, string keyPath, string authorityPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorityPath);
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(authorityPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CryptographicException($"the CA file '{authorityPath}' cannot be read as PEM certificates: {ex.Message}", ex);
        }
        if (authorities.Count == 0)
        {
            throw new CryptographicException($"the CA file '{authorityPath}' holds no PEM certificate");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            DisposeAll(authorities);
            throw new CryptographicException(
                $"the certificate '{certificatePath}' with the key '{keyPath}' cannot be loaded (PEM certificate and matching PEM private key expected): {ex.Message}", ex);
        }
        var loaded = new ClusterCertificates(certificate, authorities);
        if (loaded.Verify(certificate, null) is { } problem)
        {
            loaded.Dispose();
            throw new CryptographicException($"the certificate '{certificatePath}' is not valid under the CA '{authorityPath}': {problem}");
        }
        return loaded;
    }

    /// <summary>Whether <paramref name="remote"/> chains to the cluster's CA (and is within its validity period).</summary>
    public bool IsIssuedByCluster(X509Certificate2 remote, X509Chain? presented = null) => Verify(remote, presented) is null;

    /// <summary>
    /// Sets Orleans' TLS options for mutual authentication: this member presents <see cref="Certificate"/>, requires a
    /// certificate from its peer and accepts only one issued by the cluster's CA. Host names are not checked: being
    /// issued by the cluster's CA is what makes a peer a member.
    /// </summary>
    public void Configure(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Replaces the default check against the system store (whose verdict arrives in the policy errors, ignored here).
        options.RemoteCertificateValidation = (certificate, chain, _) => IsIssuedByCluster(certificate, chain);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        DisposeAll(_authorities);
    }

    // Null when valid, else the chain's complaints.
    private string? Verify(X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediate certificates the peer sent along may complete the chain; they are not trusted by themselves.
        if (presented is not null)
        {
            foreach (X509ChainElement element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return chain.Build(certificate)
            ? null
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
    }

    private static void DisposeAll(X509Certificate2Collection certificates)
    {
        foreach (X509Certificate2 c in certificates)
        {
            c.Dispose();
        }
    }
}
