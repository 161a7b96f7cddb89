using System.Net;
using System.Security.Cryptography.X509Certificates;
using ActorAI.Client;
using ActorAI.Compute.Devices;
using ActorAI.Dashboard.Hosting;
using ActorAI.Silo.Http;
using ActorAI.Silo.Http.Admin;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Http.OpenAI;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace ActorAI.Silo.Hosting;

/// <summary>Builds the silo host: an Orleans silo and its ASP.NET Core front in one generic host.</summary>
public static class SiloHost
{
    /// <summary>Builds the host from command-line arguments (see <see cref="SiloConfiguration"/>).</summary>
    /// <exception cref="SiloConfigurationException">The configuration is missing or invalid.</exception>
    public static WebApplication Build(string[] args)
    {
        var configuration = new ConfigurationManager();
        string profile = configuration.AddSiloSources(args);
        SiloSettings settings = SiloSettings.Load(configuration);

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(settings.Http.Address), settings.Http.Port, listen =>
        {
            if (!string.IsNullOrWhiteSpace(settings.Http.CertificatePath))
            {
                listen.UseHttps(X509Certificate2.CreateFromPemFile(settings.Http.CertificatePath, settings.Http.KeyPath));
            }
        }));

        AddOptions<SiloHostOptions, SiloHostOptionsValidator>(builder.Services, SiloHostOptions.Section);
        AddOptions<PostgresOptions, PostgresOptionsValidator>(builder.Services, PostgresOptions.Section);
        AddOptions<HttpOptions, HttpOptionsValidator>(builder.Services, HttpOptions.Section);
        AddOptions<AuthOptions, AuthOptionsValidator>(builder.Services, AuthOptions.Section);
        AddOptions<ArtifactStoreOptions, ArtifactStoreOptionsValidator>(builder.Services, ArtifactStoreOptions.Section);
        AddOptions<TlsOptions, TlsOptionsValidator>(builder.Services, TlsOptions.Section);
        AddOptions<TelemetryOptions, TelemetryOptionsValidator>(builder.Services, TelemetryOptions.Section);

        ComputeDevice.SetIntraOpThreads(settings.Silo.IntraOpThreads);
        Directory.CreateDirectory(settings.Artifacts.Directory);
        builder.UseOrleans(silo => OrleansSiloSetup.Configure(silo, settings, builder.Configuration));
        builder.Services.AddActorAITelemetry(settings.Telemetry, settings.Silo.EffectiveName);
        builder.Services.AddActorAIAuthentication();
        if (settings.Silo.Clustering == ProviderKind.Postgres)
        {
            // Every silo of the cluster reads and writes one key ring, so a login cookie made by one is accepted by all.
            builder.Services.AddActorAIDataProtection(settings.Postgres.ConnectionString!, settings.Silo.ServiceId);
        }
        builder.Services.AddProblemDetails();
        // The HTTP front routes through the same client facade as remote .NET callers, over the silo's own cluster client.
        builder.Services.AddSingleton(sp => ActorAIClient.Create(sp.GetRequiredService<IClusterClient>()));
        builder.AddActorAIDashboard(typeof(SiloHost).Assembly.GetName().Name);

        WebApplication app = builder.Build();
        app.Logger.LogInformation("ActorAI silo {Name} using profile {Profile}", settings.Silo.EffectiveName, profile);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealthEndpoints();
        app.MapLoginEndpoints();
        app.MapOpenAIEndpoints();
        app.MapAdminEndpoints();
        app.MapKeysEndpoints();
        app.MapMetricsEndpoint(settings.Telemetry);
        app.MapOrleansDashboard(settings.Http.DashboardPath).RequireAuthorization(AuthSchemes.AdminRole);
        app.MapActorAIDashboard();
        return app;
    }

    private static void AddOptions<TOptions, TValidator>(IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>()
            .BindConfiguration(section, o => o.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }
}
