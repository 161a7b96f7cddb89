using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace ActorAI.Silo.Hosting;

/// <summary>
/// ASP.NET Core Data Protection keys (which sign and encrypt login cookies) kept in PostgreSQL, so that every silo of a
/// cluster uses one key ring and a cookie made by one silo is accepted by all.
/// </summary>
public static class PostgresDataProtection
{
    /// <summary>The table, created by <c>scripts/sql/orleans-postgres.sql</c>.</summary>
    public const string Table = "actoraidataprotectionkeys";

    /// <summary>The Data Protection application name of the silos of service <paramref name="serviceId"/>.</summary>
    public static string ApplicationName(string serviceId) => $"ActorAI/{serviceId}";

    /// <summary>
    /// Keeps the key ring in <see cref="Table"/> under <see cref="ApplicationName"/>: silos of one service id share keys,
    /// other services in the same database do not. The keys are stored unencrypted; whoever can read the table can forge
    /// cookies, so grant it like the grain state.
    /// </summary>
    public static IServiceCollection AddActorAIDataProtection(this IServiceCollection services, string connectionString, string serviceId)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        string application = ApplicationName(serviceId);
        services.AddDataProtection()
            .SetApplicationName(application)
            .AddKeyManagementOptions(o => o.XmlRepository = new PostgresXmlRepository(connectionString, application));
        return services;
    }
}

/// <summary>An <see cref="IXmlRepository"/> over one PostgreSQL table, one row per key, scoped by application name.</summary>
internal sealed class PostgresXmlRepository(string connectionString, string application) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using NpgsqlConnection connection = Open();
        using var command = new NpgsqlCommand(
            $"SELECT xml FROM {PostgresDataProtection.Table} WHERE application = @application ORDER BY createdon, friendlyname", connection);
        command.Parameters.AddWithValue("application", application);
        using NpgsqlDataReader reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using NpgsqlConnection connection = Open();
        // Key names are unique ("key-<guid>"); a second store of the same key changes nothing.
        using var command = new NpgsqlCommand(
            $"INSERT INTO {PostgresDataProtection.Table} (application, friendlyname, xml) VALUES (@application, @name, @xml) " +
            "ON CONFLICT (application, friendlyname) DO NOTHING", connection);
        command.Parameters.AddWithValue("application", application);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
