using System.Text.RegularExpressions;
using ActorAI.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorAI.BrowserTests;

/// <summary>Models and deployments: promoting an alias rolls the deployment that follows it; the playground chats.</summary>
[Collection(DashboardCollection.Name)]
public sealed partial class ServingTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task PromotingTheAliasRollsTheDeployment()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        await session.OpenAsync($"/dashboard/models/{DashboardFixture.ChatModel}");
        ILocator row = session.Page.Locator($"[data-testid=alias-row][data-alias='{DashboardFixture.Alias}']");
        await Expect(row).ToHaveAttributeAsync("data-version", OneOrTwo());
        // The model has versions 1 and 2; promote whichever the alias is not on, so the test holds in any order.
        int target = await row.GetAttributeAsync("data-version") == "1" ? 2 : 1;

        await session.WaitLiveAsync(session.Page.GetByTestId("alias-promote"));
        await session.Page.GetByTestId("alias-name").FillAsync(DashboardFixture.Alias);
        await session.Page.GetByTestId("alias-version").FillAsync(target.ToString());
        await session.Page.GetByTestId("alias-promote").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-version", target.ToString());
        await session.ScreenshotAsync("alias-promoted");

        await session.OpenAsync($"/dashboard/deployments/{dashboard.Deployment}");
        // The deployment follows the alias: it rolls to the promoted version (the page updates itself while it rolls).
        await Expect(session.Page.GetByTestId("deployment-version")).ToHaveTextAsync(new Regex($@"^\s*v?{target}\s*$"),
            new() { Timeout = 90_000 });
        // Rolled through: the one replica left serves the new version and is ready (the old one has drained away).
        await Expect(session.Page.Locator("[data-testid=replica-row] td:nth-child(2)")).ToHaveTextAsync([target.ToString()],
            new() { Timeout = 90_000 });
        await Expect(session.Page.GetByTestId("replica-row")).ToHaveAttributeAsync("data-state", "Ready");
        Assert.Equal(target, (await dashboard.Client.GetModelAsync(DashboardFixture.ChatModel))!.Aliases[DashboardFixture.Alias]);
        await session.ScreenshotAsync("deployment-rolled");
    }

    [Fact]
    public async Task ThePlaygroundStreamsAChatAnswer()
    {
        await using DashboardSession session = await dashboard.SignInAsync(dashboard.AdminKey);
        await session.OpenAsync($"/dashboard/deployments/{dashboard.Deployment}");
        ILocator output = session.Page.GetByTestId("playground-output");
        await Expect(session.Page.GetByTestId("playground-done")).ToHaveCountAsync(0);

        await session.WaitLiveAsync(session.Page.GetByTestId("playground-send"));
        await session.Page.GetByTestId("playground-input").FillAsync("Tell me about actors and grains.");
        // Seeded: the model's weights are random, and an unseeded answer may begin with end-of-text (empty output).
        await session.Page.GetByTestId("playground-seed").FillAsync("7");
        await session.Page.GetByTestId("playground-send").ClickAsync();

        await Expect(session.Page.GetByTestId("playground-done")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        await Expect(output).ToHaveTextAsync(NotBlank());
        await session.ScreenshotAsync("playground");
    }

    [Fact]
    public async Task MetricsCarryTheServingHistogramsAfterTraffic()
    {
        IAPIRequestContext infer = await dashboard.ApiAsync(dashboard.InferKey);
        IAPIRequestContext admin = await dashboard.ApiAsync(dashboard.AdminKey);
        try
        {
            IAPIResponse chat = await infer.PostAsync("/v1/chat/completions", new()
            {
                DataObject = new
                {
                    model = dashboard.Deployment,
                    messages = new[] { new { role = "user", content = "hello" } },
                    max_tokens = 8,
                    seed = 3,
                },
                Timeout = 90_000,
            });
            Assert.True(chat.Ok, $"the chat answered {chat.Status}: {await chat.TextAsync()}");

            IAPIResponse scrape = await admin.GetAsync("/metrics");
            Assert.Equal(200, scrape.Status);
            Assert.StartsWith("text/plain", scrape.Headers["content-type"], StringComparison.Ordinal);
            string text = await scrape.TextAsync();
            await File.WriteAllTextAsync(Path.Combine(TestPaths.Screenshots, "metrics.txt"), text);
            foreach (string histogram in ServingHistograms)
            {
                Assert.Matches(new Regex($@"^{Regex.Escape(histogram)}_bucket\{{[^}}]*deployment=""{dashboard.Deployment}""[^}}]*le=""\+Inf""[^}}]*\}} [1-9]",
                    RegexOptions.Multiline), text);
            }
            Assert.Matches(new Regex(@"^actorai:time_to_first_token_seconds_count\{[^}]*\} [1-9]", RegexOptions.Multiline), text);

            // An infer key may chat but not read the metrics.
            Assert.Equal(403, (await infer.GetAsync("/metrics")).Status);
        }
        finally
        {
            await infer.DisposeAsync();
            await admin.DisposeAsync();
        }
    }

    /// <summary>The serving histograms, named like vLLM's with the <c>actorai:</c> prefix (issue #10).</summary>
    private static readonly string[] ServingHistograms =
    [
        "actorai:time_to_first_token_seconds",
        "actorai:inter_token_latency_seconds",
        "actorai:e2e_request_latency_seconds",
        "actorai:request_queue_time_seconds",
    ];

    [GeneratedRegex(@"^[12]$")]
    private static partial Regex OneOrTwo();

    [GeneratedRegex(@"\S")]
    private static partial Regex NotBlank();
}
