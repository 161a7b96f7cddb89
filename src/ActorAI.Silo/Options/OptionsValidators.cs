using System.Net;
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
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = HttpOptions.Section;
        SiloHostOptionsValidator.Port(failures, $"{S}:Port", options.Port, allowZero: true);
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"{S}:Address must be an IP address (was '{options.Address}').");
        }
        if (string.IsNullOrEmpty(options.DashboardPath) || options.DashboardPath[0] != '/' || options.DashboardPath.Length < 2)
        {
            failures.Add($"{S}:DashboardPath must be a path such as /orleans (was '{options.DashboardPath}').");
        }
        if (options.MaxRequestBodyBytes is < 1024 or > 64L * 1024 * 1024)
        {
            failures.Add($"{S}:MaxRequestBodyBytes must be 1024..67108864 (was {options.MaxRequestBodyBytes}).");
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
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
