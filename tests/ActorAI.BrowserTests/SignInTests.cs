using System.Text.RegularExpressions;
using ActorAI.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>The cookie login in front of the dashboard, and what each role sees after it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SignInTests(DashboardFixture dashboard)
{
    private static readonly string[] NavLinks = ["nav-overview", "nav-jobs", "nav-models", "nav-deployments", "nav-keys", "nav-cluster"];

    [Fact]
    public async Task AnAdminSignsInAndTheHomePageIsTheDashboard()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);

        foreach (string link in NavLinks)
        {
            await Expect(session.Page.GetByTestId(link)).ToBeVisibleAsync();
        }
        await session.Page.GotoAsync("/");
        await Expect(session.Page).ToHaveURLAsync(new Regex("/dashboard/?$"));
        await session.ScreenshotAsync("sign-in-admin");
    }

    [Fact]
    public async Task AWrongKeyStaysOnTheLoginPageWithAnError()
    {
        await using IBrowserContext context = await dashboard.Browser.NewContextAsync(new() { BaseURL = dashboard.BaseAddress.ToString() });
        IPage page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));

        await page.GetByLabel("API key").FillAsync("not-a-key-of-this-cluster-0123456789");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByText("That API key is not valid.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("page-title")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.Screenshots, "sign-in-refused.png") });
    }

    [Fact]
    public async Task AnInferKeySeesNoKeysPage()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.InferKey);

        await Expect(session.Page.GetByTestId("nav-jobs")).ToBeVisibleAsync();
        await Expect(session.Page.GetByTestId("nav-keys")).ToHaveCountAsync(0);

        IResponse? response = await session.OpenAsync("/dashboard/keys");
        await Expect(session.Page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Expect(session.Page.GetByTestId("key-create")).ToHaveCountAsync(0);
        await Expect(session.Page.GetByTestId("key-row")).ToHaveCountAsync(0);
        Assert.Equal(403, response?.Status);
        await session.ScreenshotAsync("keys-denied-infer");

        // The other views are read-only for it: the job page has its curve but no controls.
        await session.OpenAsync($"/dashboard/jobs/{dashboard.RunningJobId}");
        await Expect(session.Page.GetByTestId("loss-chart")).ToBeVisibleAsync();
        await Expect(session.Page.GetByTestId("job-pause")).ToHaveCountAsync(0);
        await Expect(session.Page.GetByTestId("job-cancel")).ToHaveCountAsync(0);
    }
}
