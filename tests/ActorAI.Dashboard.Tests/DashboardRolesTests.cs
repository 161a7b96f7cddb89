using System.Security.Claims;
using ActorAI.Dashboard.Data;

namespace ActorAI.Dashboard.Tests;

public sealed class DashboardRolesTests
{
    [Fact]
    public void Roles_follow_the_admin_api_rules()
    {
        DashboardRoles admin = Of(["admin"]), train = Of(["train"]), infer = Of(["infer"]);
        Assert.True(admin.IsAdmin && admin.CanTrain);
        Assert.True(train.CanTrain && !train.IsAdmin);
        Assert.False(infer.CanTrain || infer.IsAdmin);
        Assert.Throws<UnauthorizedAccessException>(train.RequireAdmin);
        Assert.Throws<UnauthorizedAccessException>(infer.RequireTrain);
        train.RequireTrain();
        admin.RequireAdmin();
    }

    [Fact]
    public void Chat_follows_the_keys_deployment_list()
    {
        Assert.True(Of(["infer"]).CanChat("any"));
        DashboardRoles limited = Of(["infer"], ["chat"]);
        Assert.True(limited.CanChat("chat"));
        Assert.False(limited.CanChat("other"));
        Assert.False(Of(["train"]).CanChat("chat"));
        Assert.True(Of(["admin"], ["chat"]).CanChat("other"));
    }

    [Fact]
    public void An_anonymous_user_has_no_rights() =>
        Assert.Equal(DashboardRoles.None, DashboardRoles.From(new ClaimsPrincipal(new ClaimsIdentity())));

    private static DashboardRoles Of(string[] roles, string[]? deployments = null)
    {
        var identity = new ClaimsIdentity("test", ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, "tester"));
        identity.AddClaims(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        identity.AddClaims((deployments ?? []).Select(d => new Claim(DashboardRoles.DeploymentClaim, d)));
        return DashboardRoles.From(new ClaimsPrincipal(identity));
    }
}
