namespace ActorAI.Silo.Options;

/// <summary>The PostgreSQL database used by providers set to <see cref="ProviderKind.Postgres"/>. Section <c>Postgres</c>.</summary>
public sealed class PostgresOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Postgres";

    /// <summary>Npgsql connection string, e.g. <c>Host=127.0.0.1;Port=55432;Database=actorai;Username=postgres</c>.</summary>
    public string? ConnectionString { get; set; }
}
