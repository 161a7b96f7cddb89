using ActorAI.Dashboard.Components.Layout;

namespace ActorAI.Dashboard.Tests;

public sealed class NavMenuTests : DashboardTestContext
{
    [Fact]
    public void Admins_see_every_link_including_keys()
    {
        SignIn("admin");
        IRenderedComponent<NavMenu> nav = Render<NavMenu>();
        foreach (string id in new[] { "nav-overview", "nav-jobs", "nav-models", "nav-deployments", "nav-keys", "nav-cluster" })
        {
            Assert.Single(nav.FindAll($"[data-testid={id}]"));
        }
    }

    [Theory]
    [InlineData("infer")]
    [InlineData("train")]
    public void Other_roles_have_no_keys_link(string role)
    {
        SignIn(role);
        IRenderedComponent<NavMenu> nav = Render<NavMenu>();
        Assert.Empty(nav.FindAll("[data-testid=nav-keys]"));
        Assert.Single(nav.FindAll("[data-testid=nav-jobs]"));
    }
}
