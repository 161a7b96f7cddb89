using Microsoft.Extensions.Configuration;

namespace ActorAI.Silo.Hosting;

/// <summary>
/// Builds the silo's configuration: a profile from <c>silo-config/</c> (the embedded <c>dev</c> profile when none
/// is named), then <c>ACTORAI_</c> environment variables, then command-line arguments, later sources winning.
/// </summary>
public static class SiloConfiguration
{
    /// <summary>Environment variable that names the profile when <c>--config</c> is absent.</summary>
    public const string ProfileVariable = "ACTORAI_CONFIG";

    /// <summary>Prefix of environment variables that override settings, e.g. <c>ACTORAI_Silo__SiloPort</c>.</summary>
    public const string EnvironmentPrefix = "ACTORAI_";

    private const string EmbeddedDevProfile = "ActorAI.Silo.silo-config.dev.json";

    /// <summary>Short command-line switches for the settings that differ between silos of one cluster.</summary>
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--config"] = "Profile",
        ["--name"] = "Silo:Name",
        ["--cluster-id"] = "Silo:ClusterId",
        ["--silo-port"] = "Silo:SiloPort",
        ["--gateway-port"] = "Silo:GatewayPort",
        ["--advertised-address"] = "Silo:AdvertisedAddress",
        ["--http-port"] = "Http:Port",
        ["--postgres"] = "Postgres:ConnectionString",
        ["--artifacts"] = "Artifacts:Directory",
    };

    /// <summary>Adds the profile, environment and command-line sources to <paramref name="configuration"/>.</summary>
    /// <returns>A description of the profile used (a file path, or the embedded dev profile).</returns>
    /// <exception cref="SiloConfigurationException">The profile is not found or is not valid JSON.</exception>
    public static string AddSiloSources(this IConfigurationManager configuration, string[] args)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(args);
        IConfigurationRoot commandLine;
        try
        {
            commandLine = new ConfigurationBuilder().AddCommandLine(args, SwitchMappings).Build();
        }
        catch (FormatException ex)
        {
            throw new SiloConfigurationException($"invalid command line: {ex.Message}", ex);
        }
        string? profile = commandLine["Profile"] ?? Environment.GetEnvironmentVariable(ProfileVariable);
        string description;
        try
        {
            if (string.IsNullOrWhiteSpace(profile))
            {
                description = "dev (embedded)";
                Stream stream = typeof(SiloConfiguration).Assembly.GetManifestResourceStream(EmbeddedDevProfile)
                    ?? throw new SiloConfigurationException($"embedded profile {EmbeddedDevProfile} is missing from the build");
                configuration.AddJsonStream(stream);
            }
            else
            {
                description = ResolveProfile(profile);
                configuration.AddJsonFile(description, optional: false, reloadOnChange: false);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new SiloConfigurationException(
                $"silo-config profile '{profile ?? "dev"}' is not valid JSON: {DescribeJsonError(ex)}", ex);
        }
        configuration.AddInMemoryCollection(EnvironmentOverrides());
        configuration.AddCommandLine(args, SwitchMappings);
        return description;
    }

    /// <summary>
    /// Settings from <c>ACTORAI_&lt;Section&gt;__&lt;Key&gt;</c> variables. Only names with a <c>__</c> section separator
    /// are settings; other <c>ACTORAI_*</c> variables (the CLI's, the scripts') are not configuration of the silo.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentOverrides() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)
                && name.Contains("__", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => KeyValuePair.Create(
                name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal),
                Environment.GetEnvironmentVariable(name)));

    /// <summary>
    /// Finds a profile: an existing file path, else <c>NAME.json</c> under <c>silo-config/</c> next to the silo
    /// binary, else under <c>silo-config/</c> of the current directory.
    /// </summary>
    public static string ResolveProfile(string profile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(profile);
        if (File.Exists(profile))
        {
            return Path.GetFullPath(profile);
        }
        string fileName = profile.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? profile : profile + ".json";
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "silo-config", fileName),
            Path.Combine(Directory.GetCurrentDirectory(), "silo-config", fileName),
        ];
        return candidates.FirstOrDefault(File.Exists) ?? throw new SiloConfigurationException(
            $"silo-config profile '{profile}' not found; looked for {string.Join(" and ", candidates)}. " +
            $"Profiles shipped: {string.Join(", ", ShippedProfiles())}.");
    }

    private static IEnumerable<string> ShippedProfiles()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "silo-config");
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.json").Select(Path.GetFileNameWithoutExtension).Order()!
            : ["dev"];
    }

    private static string DescribeJsonError(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Text.Json.JsonException { LineNumber: long line } json)
            {
                return $"line {line + 1}, position {json.BytePositionInLine + 1}: {json.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}";
            }
        }
        return ex.InnerException?.Message ?? ex.Message;
    }
}
