using ActorAI.Abstractions.Training;
using ActorAI.Dashboard.Components.Pages;

namespace ActorAI.Dashboard.Tests;

public sealed class JobPageTests : DashboardTestContext
{
    public JobPageTests()
    {
        Data.Jobs.Add(InMemoryDashboardData.Job("run-1", TrainingJobStatus.Running, 0, step: 40));
        Data.Metrics["run-1"] = [.. Enumerable.Range(1, 40).Select(s => new TrainingMetrics(s, 5.0 / s, 1e-3, 1, 1000, 2, 1, 2, 1, 1, 10))];
    }

    [Fact]
    public void The_loss_chart_states_its_points_and_last_step()
    {
        SignIn("infer");
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "run-1"));
        var chart = page.Find("svg[data-testid=loss-chart]");
        Assert.Equal("40", chart.GetAttribute("data-points"));
        Assert.Equal("40", chart.GetAttribute("data-last-step"));
        Assert.Equal("Running", page.Find("[data-testid=job-status]").TextContent);
    }

    [Fact]
    public void New_steps_appear_on_the_open_page()
    {
        SignIn("infer");
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "run-1"));
        Data.Metrics["run-1"].AddRange(Enumerable.Range(41, 5).Select(s => new TrainingMetrics(s, 1, 1e-3, 1, 1000, 2, 1, 2, 1, 1, 10)));
        // The page polls on its own; wait for the condition, not for time.
        page.WaitForAssertion(() => Assert.Equal("45", page.Find("svg[data-testid=loss-chart]").GetAttribute("data-last-step")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_long_run_is_drawn_with_at_most_a_thousand_points()
    {
        SignIn("infer");
        Data.Metrics["run-1"] = [.. Enumerable.Range(1, 9_000).Select(s => new TrainingMetrics(s, 5.0 / s, 1e-3, 1, 1000, 2, 1, 2, 1, 1, 10))];
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "run-1"));
        var chart = page.Find("svg[data-testid=loss-chart]");
        Assert.InRange(int.Parse(chart.GetAttribute("data-points")!, System.Globalization.CultureInfo.InvariantCulture), 2, 1000);
        Assert.Equal("9000", chart.GetAttribute("data-last-step"));
    }

    [Fact]
    public void Infer_users_get_no_control_buttons()
    {
        SignIn("infer");
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "run-1"));
        Assert.Empty(page.FindAll("[data-testid=job-pause]"));
        Assert.Empty(page.FindAll("[data-testid=job-scale]"));
    }

    [Fact]
    public async Task Train_users_pause_resume_and_scale()
    {
        SignIn("train");
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "run-1"));
        // Each find-and-act runs on the renderer's thread: the live refresh re-renders the page between a find and an
        // event otherwise, and the found element's handler is gone.
        await page.InvokeAsync(() => page.Find("[data-testid=job-pause]").Click());
        page.WaitForAssertion(() => Assert.Equal("Paused", page.Find("[data-testid=job-status]").TextContent));
        await page.InvokeAsync(() => page.Find("[data-testid=job-resume]").Click());
        page.WaitForAssertion(() => Assert.Equal("Running", page.Find("[data-testid=job-status]").TextContent));
        await page.InvokeAsync(() => page.Find("[data-testid=job-scale-workers]").Change("4"));
        await page.InvokeAsync(() => page.Find("[data-testid=job-scale]").Click());
        page.WaitForAssertion(() => Assert.Equal(["pause run-1", "resume run-1", "scale run-1 4"], Data.Actions));
    }

    [Fact]
    public void The_persisted_events_show_newest_first()
    {
        SignIn("infer");
        Data.Events["run-1"] = [new(DateTimeOffset.UnixEpoch, 0, "submitted: 100 steps"), new(DateTimeOffset.UnixEpoch.AddMinutes(1), 20, "paused: paused by a caller")];
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "run-1"));
        Assert.Equal(["paused: paused by a caller", "submitted: 100 steps"],
            page.FindAll("[data-testid=job-event]").Select(e => e.TextContent[(e.TextContent.IndexOf(" step ", StringComparison.Ordinal) + 1)..].Split(' ', 3)[2]));
    }

    [Fact]
    public void An_unknown_job_says_so()
    {
        SignIn("infer");
        IRenderedComponent<Job> page = Render<Job>(p => p.Add(j => j.JobId, "nope"));
        Assert.Single(page.FindAll("[data-testid=job-missing]"));
    }
}
