using ActorAI.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>The dashboard reads history from persisted state: a job's curve, the registry and the keys outlive the silo process.</summary>
[Collection(RestartCollection.Name)]
public sealed class RestartTests(RestartFixture cluster)
{
    [Fact]
    public async Task HistoryAndTheSignedInSessionSurviveARestartOfTheSilo()
    {
        await using DashboardSession session = await cluster.SignInAsync(cluster.AdminKey);
        IPage page = session.Page;
        await session.OpenAsync($"/dashboard/jobs/{cluster.JobId}");
        await Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", RestartFixture.Steps.ToString());

        // SIGKILL: nothing is written on the way down.
        await cluster.Silo.RestartAsync(TimeSpan.FromMinutes(3));

        // Same browser context: the login cookie still opens the pages (the data-protection keys are in PostgreSQL too).
        await session.OpenAsync($"/dashboard/jobs/{cluster.JobId}");
        await Expect(page.GetByTestId("job-status")).ToHaveTextAsync("Succeeded");
        ILocator chart = page.GetByTestId("loss-chart");
        await Expect(chart).ToHaveAttributeAsync("data-points", RestartFixture.Steps.ToString());
        await Expect(chart).ToHaveAttributeAsync("data-last-step", RestartFixture.Steps.ToString());
        await session.ScreenshotAsync("restart-job");

        await session.OpenAsync("/dashboard/jobs");
        await Expect(page.Locator($"[data-testid=job-row][data-job-id='{cluster.JobId}']")).ToContainTextAsync("Succeeded");

        await session.OpenAsync($"/dashboard/models/{RestartFixture.Model}");
        await Expect(page.Locator($"[data-testid=alias-row][data-alias='{RestartFixture.Alias}']")).ToHaveAttributeAsync("data-version", "1");
        await Expect(page.Locator("[data-testid=version-row][data-version='1']")).ToContainTextAsync(cluster.JobId);

        await session.OpenAsync("/dashboard/keys");
        await Expect(page.Locator($"[data-testid=key-row][data-key-id='{cluster.KeyId}']")).ToBeVisibleAsync();
        await session.ScreenshotAsync("restart-keys");
    }
}
