using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Training;
using ActorAI.Dashboard.Components.Pages;

namespace ActorAI.Dashboard.Tests;

public sealed class JobsPageTests : DashboardTestContext
{
    public JobsPageTests()
    {
        SignIn("infer");
        for (int i = 0; i < 60; i++)
        {
            Data.Jobs.Add(InMemoryDashboardData.Job($"job-{i:D2}", i % 3 == 0 ? TrainingJobStatus.Running : TrainingJobStatus.Succeeded, i));
        }
    }

    [Fact]
    public void The_first_page_lists_the_newest_jobs_and_links_to_the_next()
    {
        IRenderedComponent<Jobs> page = Render<Jobs>();
        var rows = page.FindAll("[data-testid=job-row]");
        Assert.Equal(Jobs.PageSize, rows.Count);
        Assert.Equal("job-59", rows[0].GetAttribute("data-job-id"));
        Assert.Single(page.FindAll("[data-testid=jobs-next]"));
        Assert.Empty(page.FindAll("[data-testid=jobs-prev]"));
        Assert.Equal(new TrainingJobQuery(0, Jobs.PageSize), Data.Queries[0]);
    }

    [Fact]
    public void Page_and_filters_come_from_the_query_string_and_go_to_the_server()
    {
        Navigate("/dashboard/jobs?page=2&status=Running&q=job-");
        IRenderedComponent<Jobs> page = Render<Jobs>();
        Assert.Equal(new TrainingJobQuery(Jobs.PageSize, Jobs.PageSize, TrainingJobStatus.Running, "job-"), Data.Queries[^1]);
        // 20 running jobs: page 2 is empty and offers the way back.
        Assert.Empty(page.FindAll("[data-testid=job-row]"));
        Assert.Single(page.FindAll("[data-testid=jobs-prev]"));
    }

    [Fact]
    public async Task Choosing_a_status_navigates_to_the_filtered_first_page()
    {
        Navigate("/dashboard/jobs?page=2");
        IRenderedComponent<Jobs> page = Render<Jobs>();
        await page.InvokeAsync(() => page.Find("[data-testid=jobs-status-filter]").Change("Running"));
        Assert.EndsWith("/dashboard/jobs?status=Running", NavigationUri());
        page.WaitForAssertion(() => Assert.All(page.FindAll("[data-testid=job-row]"), r => Assert.Contains("Running", r.TextContent, StringComparison.Ordinal)));
    }

    private string NavigationUri() => Services.GetService(typeof(Microsoft.AspNetCore.Components.NavigationManager)) is Microsoft.AspNetCore.Components.NavigationManager n ? n.Uri : "";
}
