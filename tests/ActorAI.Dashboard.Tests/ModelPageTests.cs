using ActorAI.Abstractions.Registry;
using ActorAI.Dashboard.Components.Pages;

namespace ActorAI.Dashboard.Tests;

public sealed class ModelPageTests : DashboardTestContext
{
    public ModelPageTests()
    {
        var lineage = new ModelLineage("job-7", new string('a', 64), "byte", null, new Dictionary<string, string>(), new Dictionary<string, double> { ["loss"] = 1.25 }, Dataset: "corpus@2");
        ModelVersion[] versions = [.. Enumerable.Range(1, 120).Select(v => new ModelVersion(v, new string('b', 64), lineage, [], DateTimeOffset.UnixEpoch.AddHours(v)))];
        Data.Models["gpt"] = new ModelInfo("gpt", versions, new Dictionary<string, int> { ["production"] = 3 },
            [new AliasChange("production", 2, DateTimeOffset.UnixEpoch), new AliasChange("production", 3, DateTimeOffset.UnixEpoch.AddDays(1))]);
    }

    [Fact]
    public void Versions_page_newest_first_with_lineage_and_hashes()
    {
        SignIn("infer");
        IRenderedComponent<Model> page = Render<Model>(p => p.Add(m => m.Name, "gpt"));
        var rows = page.FindAll("[data-testid=version-row]");
        Assert.Equal(Model.PageSize, rows.Count);
        Assert.Equal("120", rows[0].GetAttribute("data-version"));
        Assert.Contains("job-7", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("corpus@2", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("loss 1.25", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=versions-next]"));
    }

    [Fact]
    public void Aliases_show_with_their_history()
    {
        SignIn("infer");
        IRenderedComponent<Model> page = Render<Model>(p => p.Add(m => m.Name, "gpt"));
        var alias = page.Find("[data-testid=alias-row]");
        Assert.Equal("production", alias.GetAttribute("data-alias"));
        Assert.Equal("3", alias.GetAttribute("data-version"));
        var history = page.FindAll("[data-testid=alias-change]");
        Assert.Equal(2, history.Count);
        Assert.Contains("version 3", history[0].TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("infer")]
    [InlineData("train")]
    public void Only_admins_may_promote(string role)
    {
        SignIn(role);
        IRenderedComponent<Model> page = Render<Model>(p => p.Add(m => m.Name, "gpt"));
        Assert.Empty(page.FindAll("[data-testid=alias-promote]"));
    }

    [Fact]
    public async Task An_admin_promotes_an_alias_and_the_history_grows()
    {
        SignIn("admin");
        IRenderedComponent<Model> page = Render<Model>(p => p.Add(m => m.Name, "gpt"));
        await page.InvokeAsync(() => page.Find("[data-testid=alias-name]").Change("staging"));
        await page.InvokeAsync(() => page.Find("[data-testid=alias-version]").Change("7"));
        await page.InvokeAsync(() => page.Find("[data-testid=alias-promote]").Click());
        // Actions check the caller's roles first (asynchronously), so the click returns before the action is made.
        page.WaitForAssertion(() => Assert.Equal(["alias gpt staging 7"], Data.Actions));
        page.WaitForAssertion(() => Assert.Equal("7", page.Find("[data-testid=alias-row][data-alias=staging]").GetAttribute("data-version")));
        Assert.Equal(3, page.FindAll("[data-testid=alias-change]").Count);
    }

    [Fact]
    public async Task The_models_list_pages_and_registering_a_missing_job_shows_the_error()
    {
        SignIn("train");
        IRenderedComponent<Models> page = Render<Models>();
        Assert.Single(page.FindAll("[data-testid=model-row]"));
        await page.InvokeAsync(() => page.Find("[data-testid=register-model]").Change("gpt"));
        await page.InvokeAsync(() => page.Find("[data-testid=register-job]").Change("nope"));
        await page.InvokeAsync(() => page.Find("[data-testid=register-submit]").Click());
        page.WaitForAssertion(() => Assert.Contains("does not exist", page.Find("[data-testid=error]").TextContent, StringComparison.Ordinal));
    }
}
