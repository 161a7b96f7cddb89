namespace ActorAI.Abstractions.Security;

/// <summary>The roles an API key can carry.</summary>
public static class ApiKeyRoles
{
    /// <summary>Everything: keys, models, deployments, jobs, the dashboard.</summary>
    public const string Admin = "admin";
    /// <summary>Training jobs and model registration.</summary>
    public const string Train = "train";
    /// <summary>Inference: <c>/v1/*</c>.</summary>
    public const string Infer = "infer";
    /// <summary>Read-only scraping of <c>/metrics</c> (Prometheus), for monitoring systems.</summary>
    public const string Metrics = "metrics";

    /// <summary>Every role.</summary>
    public static readonly IReadOnlyList<string> All = [Admin, Train, Infer, Metrics];
}

/// <summary>An API key as stored (never the key itself, only its SHA-256).</summary>
/// <param name="Id">Public id, the middle part of the key (<c>aai-ID-SECRET</c>).</param>
/// <param name="Name">A label.</param>
/// <param name="Roles">Roles it carries.</param>
/// <param name="Models">Deployments it may call; null for all.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="RevokedAt">Revocation time; null while valid.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ApiKeyInfo")]
public sealed record ApiKeyInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] IReadOnlyList<string>? Models,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt);

/// <summary>A newly created key: the only time the secret is shown.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ApiKeyCreated")]
public sealed record ApiKeyCreated([property: Id(0)] ApiKeyInfo Info, [property: Id(1)] string Key);

/// <summary>One API key (key: its id), persisted as a SHA-256 hash.</summary>
[Alias("ActorAI.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Creates the key with a fresh random secret; fails if the id is taken.</summary>
    /// <exception cref="ArgumentException">A role is unknown or the name is empty.</exception>
    [Alias("Create")]
    Task<ApiKeyCreated> CreateAsync(string name, IReadOnlyList<string> roles, IReadOnlyList<string>? models);

    /// <summary>The key's record; null when it does not exist.</summary>
    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<ApiKeyInfo?> GetAsync();

    /// <summary>The record when <paramref name="sha256"/> is the hash of this key and it is not revoked; else null.</summary>
    [Alias("Authenticate"), Orleans.Concurrency.ReadOnly]
    Task<ApiKeyInfo?> AuthenticateAsync(byte[] sha256);

    /// <summary>Revokes the key (idempotent); null when it does not exist.</summary>
    [Alias("Revoke")]
    Task<ApiKeyInfo?> RevokeAsync();
}
