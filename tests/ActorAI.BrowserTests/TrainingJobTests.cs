using System.Text.RegularExpressions;
using ActorAI.Abstractions.Training;
using ActorAI.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>A running training job on its page: the live loss curve and the pause and resume buttons.</summary>
[Collection(DashboardCollection.Name)]
public sealed partial class TrainingJobTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task TheRunningJobsLossCurveGrowsOnTheOpenPage()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        await session.OpenAsync($"/dashboard/jobs/{dashboard.RunningJobId}");
        ILocator chart = session.Page.GetByTestId("loss-chart").First;
        await Expect(chart).ToHaveAttributeAsync("data-last-step", PositiveNumber());
        long first = long.Parse((await chart.GetAttributeAsync("data-last-step"))!);

        // No reload: the page itself must follow the job.
        await WaitForLastStepAboveAsync(session.Page, first);

        Assert.True(long.Parse((await chart.GetAttributeAsync("data-points"))!) > 1);
        await Expect(chart.Locator("path, polyline").First).ToBeVisibleAsync();
        await session.ScreenshotAsync("job-loss-curve");
    }

    [Fact]
    public async Task PauseAndResumeChangeTheJobsStatus()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        await session.OpenAsync($"/dashboard/jobs/{dashboard.RunningJobId}");
        ILocator status = session.Page.GetByTestId("job-status");
        await Expect(status).ToHaveTextAsync("Running");

        await session.Page.GetByTestId("job-pause").ClickAsync();
        await Expect(status).ToHaveTextAsync("Paused");
        await Expect(session.Page.GetByTestId("job-event").Filter(new() { HasTextRegex = new Regex(@"\bpaused\b") })).ToHaveCountAsync(1);
        Assert.Equal(TrainingJobStatus.Paused, (await dashboard.Client.GetTrainingJobAsync(dashboard.RunningJobId))!.Status);
        await session.ScreenshotAsync("job-paused");

        await session.Page.GetByTestId("job-resume").ClickAsync();
        await Expect(status).ToHaveTextAsync("Running");
        long resumedAt = long.Parse((await session.Page.GetByTestId("loss-chart").First.GetAttributeAsync("data-last-step"))!);
        await WaitForLastStepAboveAsync(session.Page, resumedAt);
        await session.ScreenshotAsync("job-resumed");
    }

    [Fact]
    public async Task ScaleAndCancelAJobFromItsPage()
    {
        // A job of its own: cancelling is for good.
        string jobId = $"browser-cancel-{Guid.NewGuid():N}"[..28];
        await dashboard.Client.SubmitTrainingJobAsync(jobId, DashboardFixture.SmallJob(DashboardFixture.Dataset, 1_000_000));
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        IPage page = session.Page;
        await session.OpenAsync($"/dashboard/jobs/{jobId}");
        ILocator status = page.GetByTestId("job-status");
        await Expect(status).ToHaveTextAsync("Running");
        await session.WaitLiveAsync(page.GetByTestId("job-scale"));

        await page.GetByTestId("job-scale-workers").FillAsync("2");
        await page.GetByTestId("job-scale").ClickAsync();
        await Expect(page.GetByTestId("job-trainers").Locator("tbody tr")).ToHaveCountAsync(2);
        Assert.Equal(2, (await dashboard.Client.GetTrainingJobAsync(jobId))!.Workers);
        long scaledAt = long.Parse((await page.GetByTestId("loss-chart").GetAttributeAsync("data-last-step"))!);
        await WaitForLastStepAboveAsync(page, scaledAt);
        await Expect(page.GetByTestId("job-event").Filter(new() { HasText = "scaled from 1 to 2 trainers" })).ToHaveCountAsync(1);
        await session.ScreenshotAsync("job-scaled");

        await page.GetByTestId("job-cancel").ClickAsync();
        await Expect(status).ToHaveTextAsync("Cancelled");
        await Expect(page.GetByTestId("job-cancel")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("job-pause")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("job-event").Filter(new() { HasTextRegex = new Regex(@"\bcancelled\b") })).ToHaveCountAsync(1);
        Assert.Equal(TrainingJobStatus.Cancelled, (await dashboard.Client.GetTrainingJobAsync(jobId))!.Status);
    }

    [Fact]
    public async Task TheJobsListShowsBothJobsAndLinksToTheirPages()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        await session.OpenAsync("/dashboard/jobs");
        await Expect(session.Page.GetByTestId("jobs-table")).ToBeVisibleAsync();
        ILocator finished = session.Page.Locator($"[data-testid=job-row][data-job-id='{dashboard.FinishedJobId}']");
        await Expect(finished).ToContainTextAsync("Succeeded");
        await Expect(session.Page.Locator($"[data-testid=job-row][data-job-id='{dashboard.RunningJobId}']")).ToBeVisibleAsync();

        await finished.GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex($"/dashboard/jobs/{dashboard.FinishedJobId}$"));
        await Expect(session.Page.GetByTestId("job-status")).ToHaveTextAsync("Succeeded");
        // Every one of the finished job's steps is on its curve.
        await Expect(session.Page.GetByTestId("loss-chart").First).ToHaveAttributeAsync("data-last-step", DashboardFixture.FinishedSteps.ToString());
        await session.ScreenshotAsync("job-finished");
    }

    [Fact]
    public async Task TheJobsListFiltersByStatusAndSearchesOnTheServer()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        IPage page = session.Page;
        await session.OpenAsync("/dashboard/jobs");
        ILocator filter = page.GetByTestId("jobs-status-filter");
        ILocator running = page.Locator($"[data-testid=job-row][data-job-id='{dashboard.RunningJobId}']");
        ILocator finished = page.Locator($"[data-testid=job-row][data-job-id='{dashboard.FinishedJobId}']");
        await session.WaitLiveAsync(filter);

        await filter.SelectOptionAsync("Succeeded");
        await Expect(page).ToHaveURLAsync(new Regex("[?&]status=Succeeded"));
        await Expect(finished).ToBeVisibleAsync();
        await Expect(running).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("job-row").Filter(new() { HasNotText = "Succeeded" })).ToHaveCountAsync(0);
        await session.ScreenshotAsync("jobs-succeeded");

        await session.OpenAsync("/dashboard/jobs");
        await session.WaitLiveAsync(filter);
        await page.GetByTestId("jobs-search").FillAsync(dashboard.RunningJobId);
        await page.GetByTestId("jobs-search").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"[?&]q={dashboard.RunningJobId}"));
        await Expect(running).ToBeVisibleAsync();
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(1);
    }

    /// <summary>Waits, without reloading, until the page's loss chart shows a step after <paramref name="step"/>.</summary>
    private static Task WaitForLastStepAboveAsync(IPage page, long step) => page.WaitForFunctionAsync(
        "step => Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-last-step')) > step",
        step, new PageWaitForFunctionOptions { Timeout = 60_000 });

    [GeneratedRegex(@"^[1-9][0-9]*$")]
    private static partial Regex PositiveNumber();
}
