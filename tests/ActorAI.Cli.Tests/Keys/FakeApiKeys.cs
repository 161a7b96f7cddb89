using System.Collections.Concurrent;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Cli.Tests.Keys;

/// <summary>In-memory API key grains and the <see cref="INameIndexGrain.ApiKeys"/> index, for the CLI tests.</summary>
internal sealed class FakeApiKeys : INameIndexGrain
{
    private readonly ConcurrentDictionary<string, FakeApiKey> _keys = new();
    private readonly List<string> _ids = [];

    public static readonly DateTimeOffset Created = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Every key grain asked for, including those never created.</summary>
    public IReadOnlyDictionary<string, FakeApiKey> Keys => _keys;

    /// <summary>Adds an existing key.</summary>
    public FakeApiKey Add(ApiKeyInfo info)
    {
        FakeApiKey key = Key(info.Id);
        key.Info = info;
        _ids.Add(info.Id);
        return key;
    }

    public TGrainInterface? GetGrain<TGrainInterface>(string primaryKey) where TGrainInterface : IGrainWithStringKey =>
        typeof(TGrainInterface) == typeof(IApiKeyGrain) ? (TGrainInterface)(object)Key(primaryKey)
        : typeof(TGrainInterface) == typeof(INameIndexGrain) && primaryKey == INameIndexGrain.ApiKeys ? (TGrainInterface)(object)this
        : default;

    public Task AddAsync(string name)
    {
        _ids.Add(name);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string name) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. _ids]);

    private FakeApiKey Key(string id) => _keys.GetOrAdd(id, i => new FakeApiKey(i, this));
}

/// <summary>One key: its record once created or added, and the calls it received.</summary>
internal sealed class FakeApiKey(string id, FakeApiKeys keys) : IApiKeyGrain
{
    public ApiKeyInfo? Info { get; set; }

    public List<string> Calls { get; } = [];

    public async Task<ApiKeyCreated> CreateAsync(string name, IReadOnlyList<string> roles, IReadOnlyList<string>? models)
    {
        Calls.Add("create");
        Info = new ApiKeyInfo(id, name, roles, models, FakeApiKeys.Created, null);
        await keys.AddAsync(id);
        return new ApiKeyCreated(Info, ApiKeyFormat.NewKey(id));
    }

    public Task<ApiKeyInfo?> GetAsync()
    {
        Calls.Add("get");
        return Task.FromResult(Info);
    }

    public Task<ApiKeyInfo?> AuthenticateAsync(byte[] sha256) => throw new NotSupportedException();

    public Task<ApiKeyInfo?> RevokeAsync()
    {
        Calls.Add("revoke");
        Info = Info is null ? null : Info with { RevokedAt = Info.RevokedAt ?? FakeApiKeys.Created.AddDays(1) };
        return Task.FromResult(Info);
    }
}
