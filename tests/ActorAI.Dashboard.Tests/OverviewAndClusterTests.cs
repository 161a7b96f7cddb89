using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Dashboard.Components.Pages;
using ActorAI.Dashboard.Data;

namespace ActorAI.Dashboard.Tests;

public sealed class OverviewAndClusterTests : DashboardTestContext
{
    public OverviewAndClusterTests()
    {
        SignIn("infer");
        var resources = new SiloResources(8, 16L << 30, 1, 24L << 30, ImmutableArray.Create("train", "serve"));
        Data.Silos.Add(new SiloView(new SiloInfo("10.0.0.1:11111@1", "a", "host-a", SiloState.Active, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 30000, resources), 42, 12.5f, 2L << 30));
        Data.Silos.Add(new SiloView(new SiloInfo("10.0.0.2:11111@1", "b", "host-b", SiloState.Dead, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 30000, null), null, null, null));
        Data.Jobs.Add(InMemoryDashboardData.Job("run-1", TrainingJobStatus.Running, 0, step: 5));
        Data.Jobs.Add(InMemoryDashboardData.Job("old", TrainingJobStatus.Succeeded, 1));
        Data.Deployments.Add(new DeploymentInfo("chat", new DeploymentSpec { Model = "gpt" }, DeploymentStatus.Ready, 1, null,
            [new ReplicaInfo("chat/0", 1, ReplicaState.Ready, "10.0.0.1:11111@1", 0)], null, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void The_overview_shows_live_silos_running_jobs_and_deployments_without_traffic()
    {
        IRenderedComponent<Overview> page = Render<Overview>();
        var silo = Assert.Single(page.FindAll("[data-testid=silo-row]"));
        Assert.Contains("train, serve", silo.TextContent, StringComparison.Ordinal);
        Assert.Contains("42", silo.TextContent, StringComparison.Ordinal);
        Assert.Contains("1 × 24 GiB", silo.TextContent, StringComparison.Ordinal);
        Assert.Equal("run-1", Assert.Single(page.FindAll("[data-testid=job-row]")).GetAttribute("data-job-id"));
        Assert.Contains("no traffic yet", page.Find("[data-testid=deployment-row]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cluster_page_keeps_dead_silos_and_shows_where_grains_live()
    {
        IRenderedComponent<Cluster> page = Render<Cluster>();
        Assert.Equal(["Active", "Dead"], page.FindAll("[data-testid=member-row]").Select(r => r.GetAttribute("data-status")).Order());
        Assert.Contains("silo-0: 0", page.Find("[data-testid=job-location][data-job-id=run-1]").TextContent, StringComparison.Ordinal);
        Assert.Contains("10.0.0.1:11111@1", page.Find("[data-testid=deployment-location]").TextContent, StringComparison.Ordinal);
        Assert.Equal("/orleans", page.Find("[data-testid=orleans-link]").GetAttribute("href"));
    }

    [Fact]
    public void Compare_overlays_one_curve_per_run()
    {
        Data.Metrics["run-1"] = [.. Enumerable.Range(1, 5).Select(s => new TrainingMetrics(s, 1.0 / s, 1e-3, 1, 1, 1, 1, 1, 1, 1, 1))];
        Data.Metrics["old"] = [.. Enumerable.Range(1, 9).Select(s => new TrainingMetrics(s, 2.0 / s, 1e-3, 1, 1, 1, 1, 1, 1, 1, 1))];
        Navigate("/dashboard/compare?jobs=run-1,old,missing");
        IRenderedComponent<Compare> page = Render<Compare>();
        Assert.Equal(["run-1", "old"], page.FindAll("svg[data-testid=compare-chart] polyline").Select(p => p.GetAttribute("data-series")));
        Assert.Contains("Not found: missing", page.Markup, StringComparison.Ordinal);
    }
}
