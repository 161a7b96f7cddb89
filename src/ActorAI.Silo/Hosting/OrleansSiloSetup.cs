using System.Net;
using ActorAI.Abstractions;
using ActorAI.Grains.Artifacts;
using ActorAI.Client;
using ActorAI.Grains.Hosting;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace ActorAI.Silo.Hosting;

/// <summary>Wires clustering, storage and reminders of the Orleans silo from validated settings.</summary>
internal static class OrleansSiloSetup
{
    private const string NpgsqlInvariant = PostgresGrainStorage.Invariant;

    public static void Configure(ISiloBuilder silo, SiloSettings settings, IConfiguration configuration)
    {
        SiloHostOptions options = settings.Silo;
        string? connectionString = settings.Postgres.ConnectionString;
        var address = IPAddress.Parse(options.AdvertisedAddress);

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        silo.Configure<SiloOptions>(o => o.SiloName = options.EffectiveName);
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Membership"));

        if (options.Clustering == ProviderKind.Postgres)
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = connectionString;
            });
            silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }

        if (options.Storage == ProviderKind.Postgres)
        {
            silo.AddActorAIPostgresGrainStorage(connectionString!);
        }
        else
        {
            silo.AddActorAIMemoryGrainStorage();
        }

        if (options.Reminders == ProviderKind.Postgres)
        {
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = connectionString;
            });
        }
        else
        {
            silo.UseInMemoryReminderService();
        }

        silo.Configure<ArtifactPlaneOptions>(o =>
        {
            o.Replicas = settings.Artifacts.Replicas;
            o.GarbageGracePeriod = settings.Artifacts.GarbageGracePeriod;
            o.RepairInterval = settings.Artifacts.RepairInterval;
            o.TransferChunkBytes = settings.Artifacts.TransferChunkBytes;
            o.TransferWindow = settings.Artifacts.TransferWindow;
        });

        if (settings.Tls.Enabled)
        {
            // Silo-to-silo and gateway connections; the silo's own in-process client needs no connection.
            var certificates = ClusterCertificates.Load(settings.Tls.CertificatePath!, settings.Tls.KeyPath!, settings.Tls.CaPath!);
            silo.Services.AddSingleton(certificates);
            silo.UseTls(certificates.Configure);
        }

        silo.AddActorAI(SiloResourcesProbe.Read(options.Roles, options.MemoryBudget), settings.Artifacts.Directory, settings.Artifacts.ImportRoots);
        silo.AddDashboard();
    }
}
