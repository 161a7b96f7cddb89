using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Grains.Tests.Security;

[Collection(ClusterCollection.Name)]
public sealed class ApiKeyGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ACreatedKeyAuthenticatesByItsHashAndIsIndexed()
    {
        string id = ApiKeyFormat.NewId();
        IApiKeyGrain grain = Key(id);

        ApiKeyCreated created = await grain.CreateAsync("ci", [ApiKeyRoles.Infer, ApiKeyRoles.Train], ["fortune"]);
        ApiKeyInfo? info = await grain.AuthenticateAsync(ApiKeyFormat.Hash(created.Key));

        Assert.Matches(new Regex($"^aai-{id}-[A-Za-z0-9_-]{{43}}$"), created.Key);
        Assert.True(ApiKeyFormat.TryParseId(created.Key, out string? parsed));
        Assert.Equal(id, parsed);
        Assert.NotNull(info);
        Assert.Equal(("ci", id), (info.Name, info.Id));
        Assert.Equal([ApiKeyRoles.Infer, ApiKeyRoles.Train], info.Roles);
        Assert.Equal(["fortune"], info.Models!);
        Assert.Null(info.RevokedAt);
        Assert.Contains(id, await fixture.Cluster.GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.ApiKeys).ListAsync());
    }

    [Fact]
    public async Task AWrongHashDoesNotAuthenticate()
    {
        IApiKeyGrain grain = Key(ApiKeyFormat.NewId());
        ApiKeyCreated created = await grain.CreateAsync("ci", [ApiKeyRoles.Infer], null);

        ApiKeyInfo? tampered = await grain.AuthenticateAsync(ApiKeyFormat.Hash(created.Key + "x"));
        ApiKeyInfo? random = await grain.AuthenticateAsync(RandomNumberGenerator.GetBytes(32));
        ApiKeyInfo? truncated = await grain.AuthenticateAsync(ApiKeyFormat.Hash(created.Key)[..16]);
        ApiKeyInfo? missing = await Key(ApiKeyFormat.NewId()).AuthenticateAsync(ApiKeyFormat.Hash(created.Key));

        Assert.Null(tampered);
        Assert.Null(random);
        Assert.Null(truncated);
        Assert.Null(missing);
    }

    [Fact]
    public async Task ARevokedKeyNoLongerAuthenticatesAndRevokingAgainChangesNothing()
    {
        IApiKeyGrain grain = Key(ApiKeyFormat.NewId());
        ApiKeyCreated created = await grain.CreateAsync("ci", [ApiKeyRoles.Admin], null);

        ApiKeyInfo? revoked = await grain.RevokeAsync();
        ApiKeyInfo? again = await grain.RevokeAsync();

        Assert.NotNull(revoked?.RevokedAt);
        Assert.Equal(revoked.RevokedAt, again?.RevokedAt);
        Assert.Null(await grain.AuthenticateAsync(ApiKeyFormat.Hash(created.Key)));
        Assert.Equal(revoked.RevokedAt, (await grain.GetAsync())?.RevokedAt);
        Assert.Null(await Key(ApiKeyFormat.NewId()).RevokeAsync());
        Assert.Null(await Key(ApiKeyFormat.NewId()).GetAsync());
    }

    [Fact]
    public async Task AKeyIsPersistedAcrossDeactivation()
    {
        IApiKeyGrain grain = Key(ApiKeyFormat.NewId());
        ApiKeyCreated created = await grain.CreateAsync("ci", [ApiKeyRoles.Infer], ["fortune", "poems"]);
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);

        await management.ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(0, await management.GetGrainActivationCount((GrainReference)grain));
        Assert.Equal(created.Info, await grain.AuthenticateAsync(ApiKeyFormat.Hash(created.Key)), ApiKeyInfoComparer.Instance);
    }

    [Fact]
    public async Task CreatingATakenIdFailsAndKeepsTheFirstKey()
    {
        IApiKeyGrain grain = Key(ApiKeyFormat.NewId());
        ApiKeyCreated first = await grain.CreateAsync("first", [ApiKeyRoles.Infer], null);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.CreateAsync("second", [ApiKeyRoles.Admin], null));

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Equal("first", (await grain.AuthenticateAsync(ApiKeyFormat.Hash(first.Key)))?.Name);
    }

    [Theory]
    [InlineData("", "infer", null, "name")]
    [InlineData("a-name-that-is-much-too-long-for-a-key-label-0123456789-0123456789", "infer", null, "name")]
    [InlineData("ci", "", null, "roles")]
    [InlineData("ci", "root", null, "roles")]
    [InlineData("ci", "infer", "", "models")]
    [InlineData("ci", "infer", "-dash", "models")]
    public async Task InvalidSettingsAreRefusedNamingTheField(string name, string roles, string? models, string field)
    {
        IApiKeyGrain grain = Key(ApiKeyFormat.NewId());
        string[] roleList = roles.Length == 0 ? [] : roles.Split(',');
        string[]? modelList = models?.Split(',');

        var error = await Assert.ThrowsAsync<ArgumentException>(() => grain.CreateAsync(name, roleList, modelList));

        Assert.StartsWith(field + " ", error.Message, StringComparison.Ordinal);
        Assert.Null(await grain.GetAsync());
    }

    private IApiKeyGrain Key(string id) => fixture.Cluster.GrainFactory.GetGrain<IApiKeyGrain>(id);

    /// <summary>Records with list members compare the lists by reference; compare their contents.</summary>
    private sealed class ApiKeyInfoComparer : IEqualityComparer<ApiKeyInfo?>
    {
        public static readonly ApiKeyInfoComparer Instance = new();

        public bool Equals(ApiKeyInfo? x, ApiKeyInfo? y) => x is not null && y is not null
            && (x.Id, x.Name, x.CreatedAt, x.RevokedAt) == (y.Id, y.Name, y.CreatedAt, y.RevokedAt)
            && x.Roles.SequenceEqual(y.Roles) && (x.Models ?? []).SequenceEqual(y.Models ?? []) && (x.Models is null) == (y.Models is null);

        public int GetHashCode(ApiKeyInfo? obj) => obj?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
