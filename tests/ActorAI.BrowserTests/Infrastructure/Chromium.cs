using Microsoft.Playwright;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>
/// Debian's chromium, launched by its executable path: Playwright cannot download its own browsers on this network, and
/// scripts/test.sh installs the <c>chromium</c> package when it is missing.
/// </summary>
internal static class Chromium
{
    /// <summary>Overrides the browser's executable path.</summary>
    public const string Variable = "ACTORAI_CHROMIUM";

    public const string DefaultPath = "/usr/bin/chromium";

    public static string ExecutablePath => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : DefaultPath;

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        string path = ExecutablePath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"no browser at {path}: install Debian's chromium (`apt-get install chromium`; scripts/test.sh does it as root) " +
                $"or point {Variable} at a Chromium executable", path);
        }
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            // Chromium refuses to start its sandbox as root (CI machines and containers run the tests as root).
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }
}
