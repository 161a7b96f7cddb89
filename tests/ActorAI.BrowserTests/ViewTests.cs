using ActorAI.BrowserTests.Infrastructure;
using ActorAI.Grains.Tests.Serving;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>Every view of the dashboard renders against the live silo; each leaves a picture in <c>views/</c> for the README.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ViewTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task EveryViewRendersWhatTheClusterHolds()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        IPage page = session.Page;
        string running = dashboard.RunningJobId, finished = dashboard.FinishedJobId;

        await ViewAsync("overview", "/dashboard", () => Expect(page.GetByText(running).First).ToBeVisibleAsync());
        await ViewAsync("jobs", "/dashboard/jobs", () => Expect(page.Locator($"[data-testid=job-row][data-job-id='{finished}']")).ToBeVisibleAsync());
        await ViewAsync("job", $"/dashboard/jobs/{running}", () => Expect(page.GetByTestId("loss-chart").First).ToBeVisibleAsync());
        await ViewAsync("compare", $"/dashboard/compare?jobs={running},{finished}", async () =>
        {
            await Expect(page.Locator($"[data-testid=compare-row][data-job-id='{running}']")).ToBeVisibleAsync();
            await Expect(page.Locator($"[data-testid=compare-row][data-job-id='{finished}']")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("compare-chart").Locator("polyline")).ToHaveCountAsync(2);
        });
        await ViewAsync("models", "/dashboard/models", async () =>
        {
            await Expect(page.GetByText(DashboardFixture.ChatModel).First).ToBeVisibleAsync();
            await Expect(page.GetByText(DashboardFixture.TrainedModel).First).ToBeVisibleAsync();
        });
        await ViewAsync("model", $"/dashboard/models/{DashboardFixture.TrainedModel}",
            () => Expect(page.GetByText(finished).First).ToBeVisibleAsync()); // its lineage names the job
        await ViewAsync("deployments", "/dashboard/deployments", () => Expect(page.GetByText(dashboard.Deployment).First).ToBeVisibleAsync());
        // Fresh traffic, so the deployment's live charts (sampled while the page is open) have something to draw.
        await dashboard.Client.GenerateAsync(dashboard.Deployment, ServingModels.Request("a picture for the README", 16));
        await ViewAsync("deployment", $"/dashboard/deployments/{dashboard.Deployment}", async () =>
        {
            await Expect(page.GetByTestId("replica-row").First).ToBeVisibleAsync();
            await page.WaitForFunctionAsync(
                "Number(document.querySelector('[data-testid=ttft-chart] polyline')?.getAttribute('data-drawn')) >= 3");
        });
        await ViewAsync("keys", "/dashboard/keys", () => Expect(page.GetByTestId("key-row").First).ToBeVisibleAsync());
        await ViewAsync("cluster", "/dashboard/cluster", () => Expect(page.GetByTestId("orleans-link")).ToHaveAttributeAsync("href", "/orleans"));

        async Task ViewAsync(string name, string path, Func<Task> shows)
        {
            await session.OpenAsync(path);
            await shows();
            await session.ScreenshotAsync(Path.Combine("views", name));
        }
    }

    [Fact]
    public async Task TheNavigationLinksReachTheirViews()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        (string Link, string Path)[] links =
        [
            ("nav-jobs", "/dashboard/jobs"), ("nav-models", "/dashboard/models"), ("nav-deployments", "/dashboard/deployments"),
            ("nav-keys", "/dashboard/keys"), ("nav-cluster", "/dashboard/cluster"), ("nav-overview", "/dashboard"),
        ];
        foreach ((string link, string path) in links)
        {
            await session.Page.GetByTestId(link).ClickAsync();
            await Expect(session.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"{path}/?$"));
            await Expect(session.Page.GetByTestId("page-title")).ToBeVisibleAsync();
        }
        await session.ScreenshotAsync("navigation");
    }
}
