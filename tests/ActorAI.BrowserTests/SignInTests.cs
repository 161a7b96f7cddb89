using System.Text.RegularExpressions;
using ActorAI.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>The cookie login in front of the dashboard, and what each role sees after it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SignInTests(DashboardFixture dashboard)
{
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
}
