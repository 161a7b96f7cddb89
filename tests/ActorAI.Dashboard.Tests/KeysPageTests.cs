using ActorAI.Dashboard.Components.Pages;

namespace ActorAI.Dashboard.Tests;

public sealed class KeysPageTests : DashboardTestContext
{
    [Theory]
    [InlineData("infer")]
    [InlineData("train")]
    public void Other_roles_get_access_denied_and_no_keys_are_read(string role)
    {
        SignIn(role);
        IRenderedComponent<Keys> page = Render<Keys>();
        Assert.Equal("Access denied", page.Find("[data-testid=page-title]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=key-create]"));
        Assert.Equal(0, Data.KeyListCalls);
    }

    [Fact]
    public async Task An_admin_creates_a_key_sees_the_secret_once_and_revokes_it()
    {
        SignIn("admin");
        IRenderedComponent<Keys> page = Render<Keys>();
        await page.InvokeAsync(() => page.Find("[data-testid=key-name]").Change("ci"));
        await page.InvokeAsync(() => page.Find("[data-testid=key-role]").Change("train"));
        await page.InvokeAsync(() => page.Find("[data-testid=key-create]").Click());
        page.WaitForAssertion(() => Assert.Equal("aai_secret_shown_once", page.Find("[data-testid=key-secret]").TextContent));
        var row = page.Find("[data-testid=key-row]");
        Assert.Contains("train", row.TextContent, StringComparison.Ordinal);
        await page.InvokeAsync(() => page.Find("[data-testid=key-revoke]").Click());
        // Actions check the caller's roles first (asynchronously), so the click returns before the action is made.
        page.WaitForAssertion(() => Assert.Equal(["create-key ci train", $"revoke {row.GetAttribute("data-key-id")}"], Data.Actions));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=key-revoke]")));
        Assert.NotNull(Data.Keys[0].RevokedAt);
    }
}
