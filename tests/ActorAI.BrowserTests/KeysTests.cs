using ActorAI.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>The keys page: a key created there works at the API until it is revoked there.</summary>
[Collection(DashboardCollection.Name)]
public sealed class KeysTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task AKeyCreatedOnThePageWorksUntilItIsRevokedThere()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        IPage page = session.Page;
        await session.OpenAsync("/dashboard/keys");
        string name = $"made-in-browser-{Guid.NewGuid():N}"[..24];

        await session.WaitLiveAsync(page.GetByTestId("key-create"));
        await page.GetByTestId("key-name").FillAsync(name);
        await page.GetByTestId("key-role").SelectOptionAsync("infer");
        await page.GetByTestId("key-create").ClickAsync();
        ILocator secret = page.GetByTestId("key-secret");
        await Expect(secret).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\S{16,}"));
        string key = (await secret.TextContentAsync())!.Trim();
        ILocator row = page.GetByTestId("key-row").Filter(new() { HasText = name });
        await Expect(row).ToHaveCountAsync(1);
        await session.ScreenshotAsync("key-created");

        IAPIRequestContext api = await dashboard.ApiAsync(key);
        try
        {
            Assert.Equal(200, (await api.GetAsync("/v1/models")).Status);

            string id = (await row.GetAttributeAsync("data-key-id"))!;
            await row.GetByTestId("key-revoke").ClickAsync();
            // A boolean attribute: Blazor writes it (empty) when true and leaves it out when false.
            await Expect(row).ToHaveAttributeAsync("data-revoked", new System.Text.RegularExpressions.Regex("^(|[Tt]rue)$"));
            await Expect(row.GetByTestId("key-revoke")).ToHaveCountAsync(0);
            Assert.NotNull((await dashboard.Client.GetApiKeyAsync(id))!.RevokedAt);
            Assert.Equal(401, (await api.GetAsync("/v1/models")).Status);

            // The secret was shown once: a fresh load of the page lists the key without it.
            await session.OpenAsync("/dashboard/keys");
            await Expect(page.Locator($"[data-testid=key-row][data-key-id='{id}']")).ToBeVisibleAsync();
            await Expect(page.GetByText(key)).ToHaveCountAsync(0);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }
}
