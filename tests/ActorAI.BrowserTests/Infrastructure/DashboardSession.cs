using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>One signed-in browser context and its page.</summary>
public sealed partial class DashboardSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>Signs in through the cookie login page and lands on the dashboard's overview.</summary>
    public async Task SignInAsync(string key)
    {
        await Page.GotoAsync("/login");
        await Page.GetByLabel("API key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(DashboardHome());
        await Expect(Page.GetByTestId("page-title")).ToBeVisibleAsync();
    }

    /// <summary>Opens <paramref name="path"/> and waits for its heading.</summary>
    public async Task<IResponse?> OpenAsync(string path)
    {
        IResponse? response = await Page.GotoAsync(path);
        await Expect(Page.GetByTestId("page-title")).ToBeVisibleAsync();
        return response;
    }

    /// <summary>
    /// Waits until <paramref name="control"/> is enabled: the dashboard prerenders its pages and enables their controls
    /// once the interactive circuit is attached, so neither a click nor typed text is lost to the prerendered copy.
    /// </summary>
    public Task WaitLiveAsync(ILocator control) => Expect(control).ToBeEnabledAsync();

    /// <summary>A full-page picture of the current view, <c>NAME.png</c> under the screenshot folder.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.Screenshots, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();

    [GeneratedRegex(@"/dashboard/?$")]
    private static partial Regex DashboardHome();
}
