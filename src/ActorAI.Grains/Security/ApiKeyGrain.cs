using System.Collections.Immutable;
using System.Security.Cryptography;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Grains.Security;

/// <summary>Persistent state of an API key: its record and the SHA-256 of the key, never the key.</summary>
[GenerateSerializer, Alias("ActorAI.ApiKeyState")]
public sealed record ApiKeyState
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public ImmutableList<string> Roles { get; init; } = [];
    [Id(2)] public ImmutableList<string>? Models { get; init; }
    [Id(3)] public DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public DateTimeOffset? RevokedAt { get; init; }
    [Id(5)] public byte[] Sha256 { get; init; } = [];
}

internal sealed class ApiKeyGrain(
    [PersistentState("api-key", ProviderNames.GrainStorage)] IPersistentState<ApiKeyState> state,
    TimeProvider clock) : Grain, IApiKeyGrain
{
    private string Id => this.GetPrimaryKeyString();

    private bool Exists => state.State.Name is not null;

    public async Task<ApiKeyCreated> CreateAsync(string name, IReadOnlyList<string> roles, IReadOnlyList<string>? models)
    {
        if (!ApiKeyFormat.IsValidId(Id))
        {
            throw new ArgumentException($"id must be {ApiKeyFormat.IdLength} lowercase hex characters (was '{Id}').", "id");
        }
        ApiKeyFormat.ThrowIfInvalid(name, roles, models);
        if (Exists)
        {
            throw new InvalidOperationException($"API key '{Id}' already exists.");
        }
        string key = ApiKeyFormat.NewKey(Id);
        // Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force that a slow
        // password hash (PBKDF2, Argon2) would protect, and every request's key is checked against it.
        state.State = new ApiKeyState
        {
            Name = name,
            Roles = [.. roles.Distinct(StringComparer.Ordinal)],
            Models = models is null ? null : [.. models.Distinct(StringComparer.Ordinal)],
            CreatedAt = clock.GetUtcNow(),
            Sha256 = ApiKeyFormat.Hash(key),
        };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.ApiKeys).AddAsync(Id);
        return new ApiKeyCreated(Info(), key);
    }

    public Task<ApiKeyInfo?> GetAsync() => Task.FromResult(Exists ? Info() : null);

    public Task<ApiKeyInfo?> AuthenticateAsync(byte[] sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        bool valid = Exists && state.State.RevokedAt is null && CryptographicOperations.FixedTimeEquals(sha256, state.State.Sha256);
        return Task.FromResult(valid ? Info() : null);
    }

    public async Task<ApiKeyInfo?> RevokeAsync()
    {
        if (!Exists)
        {
            return null;
        }
        if (state.State.RevokedAt is null)
        {
            state.State = state.State with { RevokedAt = clock.GetUtcNow() };
            await state.WriteStateAsync();
        }
        return Info();
    }

    private ApiKeyInfo Info() =>
        new(Id, state.State.Name!, state.State.Roles, state.State.Models, state.State.CreatedAt, state.State.RevokedAt);
}
