using System.Reflection;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ActorAI.Silo.Hosting;

/// <summary>
/// Every options section of the silo, bound strictly (unknown keys and unconvertible values are errors) and
/// validated before anything starts, so a bad profile fails fast with messages that name the keys.
/// </summary>
public sealed record SiloSettings(
    SiloHostOptions Silo, PostgresOptions Postgres, HttpOptions Http, AuthOptions Auth, ArtifactStoreOptions Artifacts, TlsOptions Tls)
{
    /// <summary>The <c>Telemetry</c> section (metrics, OTLP, trace sampling).</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>Sections of the configuration root that are allowed besides the options sections.</summary>
    private static readonly string[] OtherRootKeys = ["Profile", "Logging", "Orleans", "Membership"];

    /// <summary>Binds and validates all sections.</summary>
    /// <exception cref="SiloConfigurationException">One or more settings are invalid; all are listed.</exception>
    public static SiloSettings Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var failures = new List<string>();
        string[] known = [SiloHostOptions.Section, PostgresOptions.Section, HttpOptions.Section, AuthOptions.Section, ArtifactStoreOptions.Section, TlsOptions.Section, TelemetryOptions.Section, .. OtherRootKeys];
        foreach (IConfigurationSection child in configuration.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{child.Key} is not a known section (known: {string.Join(", ", known)}).");
            }
        }
        var postgres = Bind<PostgresOptions>(configuration, PostgresOptions.Section, failures);
        var silo = Bind<SiloHostOptions>(configuration, SiloHostOptions.Section, failures);
        var http = Bind<HttpOptions>(configuration, HttpOptions.Section, failures);
        var auth = Bind<AuthOptions>(configuration, AuthOptions.Section, failures);
        var artifacts = Bind<ArtifactStoreOptions>(configuration, ArtifactStoreOptions.Section, failures);
        var tls = Bind<TlsOptions>(configuration, TlsOptions.Section, failures);
        var telemetry = Bind<TelemetryOptions>(configuration, TelemetryOptions.Section, failures);
        Bind<ClusterMembershipOptions>(configuration, "Membership", failures);
        if (failures.Count == 0)
        {
            Collect(failures, new PostgresOptionsValidator().Validate(null, postgres));
            Collect(failures, new SiloHostOptionsValidator(Microsoft.Extensions.Options.Options.Create(postgres)).Validate(null, silo));
            Collect(failures, new HttpOptionsValidator().Validate(null, http));
            Collect(failures, new AuthOptionsValidator().Validate(null, auth));
            Collect(failures, new ArtifactStoreOptionsValidator().Validate(null, artifacts));
            Collect(failures, new TlsOptionsValidator(Microsoft.Extensions.Options.Options.Create(silo)).Validate(null, tls));
            Collect(failures, new TelemetryOptionsValidator().Validate(null, telemetry));
        }
        if (failures.Count > 0)
        {
            throw new SiloConfigurationException(string.Join(Environment.NewLine, failures));
        }
        return new SiloSettings(silo, postgres, http, auth, artifacts, tls) { Telemetry = telemetry };
    }

    private static T Bind<T>(IConfiguration configuration, string section, List<string> failures) where T : new()
    {
        IConfigurationSection values = configuration.GetSection(section);
        HashSet<string> properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        int before = failures.Count;
        foreach (IConfigurationSection child in values.GetChildren())
        {
            if (!properties.Contains(child.Key))
            {
                failures.Add($"{child.Path} is not a known setting (known in {section}: {string.Join(", ", properties.Order())}).");
            }
        }
        if (failures.Count > before)
        {
            return new T();
        }
        try
        {
            return values.Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key: "Failed to convert configuration value at 'Silo:SiloPort' to type ...".
            string detail = ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
            failures.Add(detail);
            return new T();
        }
    }

    private static void Collect(List<string> failures, ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            failures.AddRange(result.Failures);
        }
    }
}
