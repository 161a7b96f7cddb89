using ActorAI.Abstractions.Security;

namespace ActorAI.Grains.Tests.Security;

public sealed class ApiKeyFormatTests
{
    [Fact]
    public void NewIdsAreTwelveLowercaseHexCharactersAndKeysCarryThem()
    {
        string id = ApiKeyFormat.NewId();
        string key = ApiKeyFormat.NewKey(id);

        Assert.True(ApiKeyFormat.IsValidId(id));
        Assert.NotEqual(id, ApiKeyFormat.NewId());
        Assert.True(ApiKeyFormat.TryParseId(key, out string? parsed));
        Assert.Equal(id, parsed);
        Assert.NotEqual(key, ApiKeyFormat.NewKey(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("aai-0123456789ab")]
    [InlineData("aai-0123456789ab-")]
    [InlineData("aai-0123456789AB-secret")]
    [InlineData("aai-0123456789a-secret")]
    [InlineData("xyz-0123456789ab-secret")]
    [InlineData("test-admin-key-0123456789")]
    public void MalformedKeysHaveNoId(string key) => Assert.False(ApiKeyFormat.TryParseId(key, out _));

    [Fact]
    public void AnEmptyModelListIsRefusedRatherThanMeaningEveryModel() =>
        Assert.StartsWith("models ", ApiKeyFormat.Problem("ci", [ApiKeyRoles.Infer], []), StringComparison.Ordinal);
}
