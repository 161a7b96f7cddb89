using System.Security.Claims;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Tests;

/// <summary>The prefix-cache salt is the caller's key's, computed on the server (the HTTP path is in MetricsEndpointTests).</summary>
public sealed class CacheSaltTests
{
    private static CacheSalts Salts(string bootstrap = "cluster-bootstrap-key-0123") =>
        new(Microsoft.Extensions.Options.Options.Create(new AuthOptions { BootstrapAdminKey = bootstrap }));

    private static ClaimsPrincipal Key(string? id, string name = "app") =>
        ApiKeyAuthenticationHandler.CreatePrincipal(new ApiKeyIdentity(name, id, ["infer"], null), AuthSchemes.ApiKey);

    [Fact]
    public void TheSameKeyGetsTheSameSaltAndDifferentKeysDifferentOnes()
    {
        CacheSalts salts = Salts();

        string a = salts.For(Key("0123456789abcdef"));
        string again = Salts().For(Key("0123456789abcdef", name: "renamed")); // another silo, the key renamed
        string b = salts.For(Key("fedcba9876543210"));
        string bootstrap = salts.For(Key(null, ApiKeyValidator.BootstrapName));
        // A cookie session signed in with key a carries its id: the same tenant.
        string cookie = salts.For(ApiKeyAuthenticationHandler.CreatePrincipal(new ApiKeyIdentity("app", "0123456789abcdef", ["admin"], null), AuthSchemes.Cookie));

        Assert.Equal(a, again);
        Assert.Equal(a, cookie);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, bootstrap);
        Assert.NotEqual(b, bootstrap);
        Assert.Matches("^[0-9a-f]{64}$", a);
        Assert.DoesNotContain("0123456789abcdef", a, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherClustersSecretGivesOtherSalts()
    {
        Assert.NotEqual(Salts("cluster-one-bootstrap-key").For(Key("0123456789abcdef")), Salts("cluster-two-bootstrap-key").For(Key("0123456789abcdef")));
    }

    [Fact]
    public void AKeyIdCannotPassForAName()
    {
        CacheSalts salts = Salts();

        Assert.NotEqual(salts.For(Key("0123456789abcdef")), salts.For(Key(null, "0123456789abcdef")));
    }
}
