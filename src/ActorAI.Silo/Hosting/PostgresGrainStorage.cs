using ActorAI.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorAI.Silo.Hosting;

/// <summary>ActorAI's grain storage: PostgreSQL through Orleans' ADO.NET provider, or memory (the dev profile).</summary>
public static class PostgresGrainStorage
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Adds the <see cref="ProviderNames.GrainStorage"/> provider on PostgreSQL. State is written with the Orleans
    /// serializer (the one grain calls use, driven by <c>[GenerateSerializer]</c>), not the provider's default JSON
    /// serializer: that one records runtime type names and cannot read back compiler-generated collection types
    /// (a <c>[.. items]</c> assigned to an <c>IReadOnlyList&lt;T&gt;</c>), so such state would fail to load on
    /// reactivation.
    /// </summary>
    public static ISiloBuilder AddActorAIPostgresGrainStorage(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.AddAdoNetGrainStorage(ProviderNames.GrainStorage, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(ProviderNames.GrainStorage)
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        return silo;
    }

    /// <summary>
    /// Adds the <see cref="ProviderNames.GrainStorage"/> provider in memory (the dev profile), written with the Orleans
    /// serializer for the same reason as <see cref="AddActorAIPostgresGrainStorage"/>: with the default JSON serializer
    /// a model grain could not read its own state back after a deactivation.
    /// </summary>
    public static ISiloBuilder AddActorAIMemoryGrainStorage(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddMemoryGrainStorage(ProviderNames.GrainStorage);
        silo.Services.AddOptions<MemoryGrainStorageOptions>(ProviderNames.GrainStorage)
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        return silo;
    }
}
