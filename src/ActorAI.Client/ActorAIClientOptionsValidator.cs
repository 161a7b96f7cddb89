using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace ActorAI.Client;

/// <summary>Validates <see cref="ActorAIClientOptions"/>; failures name the setting.</summary>
public sealed class ActorAIClientOptionsValidator : IValidateOptions<ActorAIClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ActorAIClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add("ClusterId is required.");
        }
        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.Add("ServiceId is required.");
        }
        if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            if (options.Gateways.Count == 0)
            {
                failures.Add("Gateways needs at least one host:port when PostgresConnectionString is not set.");
            }
            foreach (string gateway in options.Gateways)
            {
                if (!TryParseGateway(gateway, out _))
                {
                    failures.Add($"Gateways entry '{gateway}' is not host:port with a port between 1 and 65535.");
                }
            }
        }
        if (options.UsesTls)
        {
            ValidateTls(options, failures);
        }
        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add($"ConnectTimeout must be positive (was {options.ConnectTimeout}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateTls(ActorAIClientOptions options, List<string> failures)
    {
        int before = failures.Count;
        foreach ((string key, string? path) in new[]
                 {
                     (nameof(options.TlsCertificatePath), options.TlsCertificatePath), (nameof(options.TlsKeyPath), options.TlsKeyPath),
                     (nameof(options.TlsCaPath), options.TlsCaPath),
                 })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                failures.Add($"{key} is required with the other TLS settings (TlsCertificatePath, TlsKeyPath, TlsCaPath).");
            }
            else if (!File.Exists(path))
            {
                failures.Add($"{key}: no file '{path}'.");
            }
        }
        if (failures.Count > before)
        {
            return;
        }
        try
        {
            using ClusterCertificates certificates = ClusterCertificates.Load(options.TlsCertificatePath!, options.TlsKeyPath!, options.TlsCaPath!);
        }
        catch (CryptographicException ex)
        {
            failures.Add($"TlsCertificatePath, TlsKeyPath and TlsCaPath: {ex.Message}");
        }
    }

    /// <summary>Parses <c>host:port</c>; the host may be an IP address or a name.</summary>
    public static bool TryParseGateway(string value, out (string Host, int Port) gateway)
    {
        gateway = default;
        int colon = value?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return false;
        }
        string host = value![..colon].Trim('[', ']');
        if (host.Length == 0)
        {
            return false;
        }
        gateway = (host, port);
        return true;
    }

    internal static IPEndPoint Resolve((string Host, int Port) gateway) =>
        IPAddress.TryParse(gateway.Host, out IPAddress? ip)
            ? new IPEndPoint(ip, gateway.Port)
            : new IPEndPoint(Dns.GetHostAddresses(gateway.Host).First(), gateway.Port);
}
