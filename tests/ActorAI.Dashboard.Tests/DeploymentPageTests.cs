using ActorAI.Abstractions.Serving;
using ActorAI.Dashboard.Components.Pages;

namespace ActorAI.Dashboard.Tests;

public sealed class DeploymentPageTests : DashboardTestContext
{
    private static readonly double[] Bounds = [0.01, 0.1, 1];

    public DeploymentPageTests()
    {
        Data.Deployments.Add(new DeploymentInfo("chat", new DeploymentSpec { Model = "gpt", Version = "production", MinReplicas = 2, MaxReplicas = 2 },
            DeploymentStatus.Ready, 3, null,
            [new ReplicaInfo("chat/0", 3, ReplicaState.Ready, "silo-a", 1), new ReplicaInfo("chat/1", 3, ReplicaState.Loading, "silo-b", 0)],
            null, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Replicas_version_and_no_traffic_yet()
    {
        SignIn("infer");
        IRenderedComponent<Deployment> page = Render<Deployment>(p => p.Add(d => d.Name, "chat"));
        Assert.Equal("3", page.Find("[data-testid=deployment-version]").TextContent);
        var replicas = page.FindAll("[data-testid=replica-row]");
        Assert.Equal(["Ready", "Loading"], replicas.Select(r => r.GetAttribute("data-state")));
        Assert.Single(page.FindAll("[data-testid=deployment-no-traffic]"));
        Assert.Empty(page.FindAll("[data-testid=deployment-scale]"));
    }

    [Fact]
    public void Serving_figures_show_when_replicas_report()
    {
        SignIn("admin");
        var histogram = new LatencyHistogram(Bounds, [2, 8, 0, 0], 0.5);
        var stats = new ServingStats(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(10), 10, 1, 100, 500, histogram, histogram, histogram, 1, 0);
        Data.Stats["chat"] = new DeploymentStats("chat", new Dictionary<string, ServingStats> { ["chat/0"] = stats }, stats);
        IRenderedComponent<Deployment> page = Render<Deployment>(p => p.Add(d => d.Name, "chat"));
        Assert.Empty(page.FindAll("[data-testid=deployment-no-traffic]"));
        Assert.Contains("10.0 %", page.Markup, StringComparison.Ordinal); // error rate 1 of 10
        Assert.Single(page.FindAll("svg[data-testid=ttft-chart] polyline[data-series=p50]"));
    }

    [Fact]
    public async Task The_playground_streams_an_answer_and_says_when_it_is_done()
    {
        SignIn("infer");
        Data.ChatPieces.AddRange(["Hel", "lo", " there"]);
        IRenderedComponent<Deployment> page = Render<Deployment>(p => p.Add(d => d.Name, "chat"));
        await page.InvokeAsync(() => page.Find("[data-testid=playground-input]").Change("hi"));
        await page.InvokeAsync(() => page.Find("[data-testid=playground-seed]").Change("7"));
        await page.InvokeAsync(() => page.Find("[data-testid=playground-send]").Click());
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=playground-done]")));
        Assert.Equal("Hello there", page.Find("[data-testid=playground-output]").TextContent);
        Assert.Equal(["chat chat hi seed=7"], Data.Actions);
    }

    [Fact]
    public async Task Admins_scale_and_delete()
    {
        SignIn("admin");
        IRenderedComponent<Deployment> page = Render<Deployment>(p => p.Add(d => d.Name, "chat"));
        await page.InvokeAsync(() => page.Find("[data-testid=deployment-replicas]").Change("3"));
        await page.InvokeAsync(() => page.Find("[data-testid=deployment-scale]").Click());
        await page.InvokeAsync(() => page.Find("[data-testid=deployment-delete]").Click());
        // Actions check the caller's roles first (asynchronously), so the click returns before the action is made.
        page.WaitForAssertion(() => Assert.Equal(["scale-deployment chat 3", "delete chat"], Data.Actions));
    }

    [Fact]
    public void The_list_pages_deployments()
    {
        SignIn("infer");
        IRenderedComponent<Deployments> page = Render<Deployments>();
        Assert.Equal("chat", page.Find("[data-testid=deployment-row]").GetAttribute("data-deployment"));
    }
}
