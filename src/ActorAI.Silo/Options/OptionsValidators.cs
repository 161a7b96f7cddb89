using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Client;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ActorAI.Silo.Options;

/// <summary>Validates <see cref="SiloHostOptions"/>; every failure names its configuration key.</summary>
public sealed class SiloHostOptionsValidator(IOptions<PostgresOptions> postgres) : IValidateOptions<SiloHostOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = SiloHostOptions.Section;
        RequireText(failures, $"{S}:ClusterId", options.ClusterId);
        RequireText(failures, $"{S}:ServiceId", options.ServiceId);
        Port(failures, $"{S}:SiloPort", options.SiloPort, allowZero: false);
        Port(failures, $"{S}:GatewayPort", options.GatewayPort, allowZero: false);
        if (options.SiloPort == options.GatewayPort)
        {
            failures.Add($"{S}:GatewayPort must differ from {S}:SiloPort (both are {options.SiloPort}).");
        }
        if (!IPAddress.TryParse(options.AdvertisedAddress, out _))
        {
            failures.Add($"{S}:AdvertisedAddress must be an IP address (was '{options.AdvertisedAddress}').");
        }
        if (options.IntraOpThreads is < 0 or > 1024)
        {
            failures.Add($"{S}:IntraOpThreads must be between 0 and 1024 (was {options.IntraOpThreads}).");
        }
        if (options.MemoryBudget is <= 0)
        {
            failures.Add($"{S}:MemoryBudget must be a positive number of bytes when set (was {options.MemoryBudget}).");
        }
        foreach (string role in options.Roles)
        {
            if (string.IsNullOrWhiteSpace(role) || role.Contains(',', StringComparison.Ordinal))
            {
                failures.Add($"{S}:Roles entries must be non-empty and contain no comma (was '{role}').");
            }
        }
        if (options.Clustering == ProviderKind.Memory && !IPAddress.IsLoopback(IPAddress.TryParse(options.AdvertisedAddress, out var ip) ? ip : IPAddress.Loopback))
        {
            failures.Add($"{S}:Clustering Memory is localhost clustering; {S}:AdvertisedAddress must be a loopback address (was '{options.AdvertisedAddress}'). Use Postgres clustering to span hosts.");
        }
        foreach ((string key, ProviderKind kind) in new[]
                 {
                     ($"{S}:Clustering", options.Clustering), ($"{S}:Storage", options.Storage), ($"{S}:Reminders", options.Reminders),
                 })
        {
            if (kind == ProviderKind.Postgres && string.IsNullOrWhiteSpace(postgres.Value.ConnectionString))
            {
                failures.Add($"{PostgresOptions.Section}:ConnectionString is required because {key} is Postgres.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void RequireText(List<string> failures, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{key} is required.");
        }
    }

    internal static void Port(List<string> failures, string key, int value, bool allowZero)
    {
        if (value < (allowZero ? 0 : 1) || value > 65535)
        {
            failures.Add($"{key} must be between {(allowZero ? 0 : 1)} and 65535 (was {value}).");
        }
    }
}

/// <summary>Validates <see cref="PostgresOptions"/>.</summary>
public sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Success;
        }
        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return string.IsNullOrEmpty(parsed.Host)
                ? ValidateOptionsResult.Fail($"{PostgresOptions.Section}:ConnectionString has no Host.")
                : ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{PostgresOptions.Section}:ConnectionString is not a valid Npgsql connection string: {ex.Message}");
        }
    }
}

/// <summary>Validates <see cref="HttpOptions"/>.</summary>
public sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    /// <summary>Adds a failure naming the key of each file that does not exist; true when all exist.</summary>
    internal static bool FilesExist(List<string> failures, params (string Key, string Path)[] files)
    {
        int before = failures.Count;
        foreach ((string key, string path) in files)
        {
            if (!File.Exists(path))
            {
                failures.Add($"{key}: no file '{path}'.");
            }
        }
        return failures.Count == before;
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = HttpOptions.Section;
        SiloHostOptionsValidator.Port(failures, $"{S}:Port", options.Port, allowZero: true);
        if (!IPAddress.TryParse(options.Address, out IPAddress? address))
        {
            failures.Add($"{S}:Address must be an IP address (was '{options.Address}').");
        }
        else if (!IPAddress.IsLoopback(address) && string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            // API keys and login cookies travel on this port: off the host they go over HTTPS only.
            failures.Add(
                $"{S}:CertificatePath and {S}:KeyPath are required when {S}:Address is not a loopback address (was '{options.Address}'): " +
                "API keys and login cookies must not cross the network in plain text (scripts/certs.sh makes a certificate).");
        }
        if (string.IsNullOrEmpty(options.DashboardPath) || options.DashboardPath[0] != '/' || options.DashboardPath.Length < 2)
        {
            failures.Add($"{S}:DashboardPath must be a path such as /orleans (was '{options.DashboardPath}').");
        }
        if (options.MaxRequestBodyBytes is < 1024 or > 64L * 1024 * 1024)
        {
            failures.Add($"{S}:MaxRequestBodyBytes must be 1024..67108864 (was {options.MaxRequestBodyBytes}).");
        }
        if (string.IsNullOrWhiteSpace(options.CertificatePath) != string.IsNullOrWhiteSpace(options.KeyPath))
        {
            failures.Add($"{S}:CertificatePath and {S}:KeyPath go together: give both for HTTPS, or neither.");
        }
        else if (!string.IsNullOrWhiteSpace(options.CertificatePath)
                 && FilesExist(failures, ($"{S}:CertificatePath", options.CertificatePath), ($"{S}:KeyPath", options.KeyPath!)))
        {
            try
            {
                using X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath);
            }
            catch (CryptographicException ex)
            {
                failures.Add($"{S}:CertificatePath and {S}:KeyPath must be a PEM certificate and its PEM private key: {ex.Message}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="AuthOptions"/>.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? key = options.BootstrapAdminKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            return ValidateOptionsResult.Fail(
                $"{AuthOptions.Section}:BootstrapAdminKey is required (set it in the profile or as ACTORAI_Auth__BootstrapAdminKey).");
        }
        var failures = new List<string>();
        if (key.Length < AuthOptions.MinimumKeyLength || key.Any(char.IsWhiteSpace))
        {
            failures.Add(
                $"{AuthOptions.Section}:BootstrapAdminKey must be at least {AuthOptions.MinimumKeyLength} characters with no whitespace (was {key.Length} characters).");
        }
        if (options.KeyCacheSeconds is < 0 or > AuthOptions.MaximumKeyCacheSeconds)
        {
            failures.Add(
                $"{AuthOptions.Section}:KeyCacheSeconds must be between 0 and {AuthOptions.MaximumKeyCacheSeconds} (was {options.KeyCacheSeconds}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="ArtifactStoreOptions"/>.</summary>
public sealed class ArtifactStoreOptionsValidator : IValidateOptions<ArtifactStoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ArtifactStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ArtifactStoreOptions.Section;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            failures.Add($"{S}:Directory is required.");
        }
        else if (options.Directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{S}:Directory is not a valid path (was '{options.Directory}').");
        }
        if (options.Replicas is < 1 or > ArtifactStoreOptions.MaximumReplicas)
        {
            failures.Add($"{S}:Replicas must be between 1 and {ArtifactStoreOptions.MaximumReplicas} (was {options.Replicas}).");
        }
        if (options.GarbageGracePeriod < TimeSpan.Zero)
        {
            failures.Add($"{S}:GarbageGracePeriod must not be negative (was {options.GarbageGracePeriod}).");
        }
        if (options.RepairInterval < TimeSpan.FromSeconds(1) || options.RepairInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:RepairInterval must be between 00:00:01 and 01:00:00 (was {options.RepairInterval}).");
        }
        if (options.TransferChunkBytes is < 64 * 1024 or > ArtifactLimits.MaxChunkBytes)
        {
            failures.Add($"{S}:TransferChunkBytes must be between 65536 and {ArtifactLimits.MaxChunkBytes} (was {options.TransferChunkBytes}).");
        }
        if (options.TransferWindow is < 1 or > 64)
        {
            failures.Add($"{S}:TransferWindow must be between 1 and 64 (was {options.TransferWindow}).");
        }
        for (int i = 0; i < options.ImportRoots.Count; i++)
        {
            string root = options.ImportRoots[i];
            if (string.IsNullOrWhiteSpace(root) || root.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                failures.Add($"{S}:ImportRoots:{i} must be a directory path (was '{root}').");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Validates <see cref="TlsOptions"/>: when enabled, the three files exist and hold a certificate, its key and a CA
/// that issued it; and a silo other hosts can reach (Postgres clustering on a non-loopback address) must enable it.
/// </summary>
public sealed class TlsOptionsValidator(IOptions<SiloHostOptions> silo) : IValidateOptions<TlsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = TlsOptions.Section;
        var failures = new List<string>();
        SiloHostOptions host = silo.Value;
        if (!options.Enabled)
        {
            if (host.Clustering == ProviderKind.Postgres && IPAddress.TryParse(host.AdvertisedAddress, out IPAddress? address)
                && !IPAddress.IsLoopback(address))
            {
                failures.Add(
                    $"{S}:Enabled must be true when {SiloHostOptions.Section}:Clustering is Postgres and {SiloHostOptions.Section}:AdvertisedAddress " +
                    $"is not a loopback address (was '{host.AdvertisedAddress}'): a cluster other hosts can reach admits only members with " +
                    $"certificates from its CA. Set {S}:Enabled, {S}:CertificatePath, {S}:KeyPath and {S}:CaPath (scripts/certs.sh makes them).");
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
        foreach ((string key, string? value) in new[] { ($"{S}:CertificatePath", options.CertificatePath), ($"{S}:KeyPath", options.KeyPath), ($"{S}:CaPath", options.CaPath) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"{key} is required because {S}:Enabled is true.");
            }
        }
        if (failures.Count == 0
            && HttpOptionsValidator.FilesExist(failures, ($"{S}:CertificatePath", options.CertificatePath!), ($"{S}:KeyPath", options.KeyPath!), ($"{S}:CaPath", options.CaPath!)))
        {
            try
            {
                using ClusterCertificates certificates = ClusterCertificates.Load(options.CertificatePath!, options.KeyPath!, options.CaPath!);
            }
            catch (CryptographicException ex)
            {
                failures.Add($"{S}:CertificatePath, {S}:KeyPath and {S}:CaPath: {ex.Message}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="TelemetryOptions"/>.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = TelemetryOptions.Section;
        if (options.OtlpEndpoint is { } endpoint
            && !(Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            failures.Add($"{S}:OtlpEndpoint must be an absolute http or https URL such as http://127.0.0.1:4317 (was '{endpoint}').");
        }
        if (!Enum.IsDefined(options.OtlpProtocol))
        {
            failures.Add($"{S}:OtlpProtocol must be one of {string.Join(", ", Enum.GetNames<OtlpProtocol>())} (was '{options.OtlpProtocol}').");
        }
        if (!(options.TraceSampleRatio is >= 0 and <= 1))
        {
            failures.Add($"{S}:TraceSampleRatio must be between 0 and 1 (was {options.TraceSampleRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
