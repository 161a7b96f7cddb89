using System.Diagnostics;

namespace ActorAI.BrowserTests;

/// <summary>
/// scripts/common.sh's ensure_chromium, which scripts/test.sh (and so .ci/run) calls before the tests: apt-get is a
/// stand-in on PATH that records its calls and "installs" the browser at <c>ACTORAI_CHROMIUM</c>.
/// </summary>
public sealed class ChromiumInstallTests
{
    private static readonly bool IsRoot = Environment.UserName == "root";

    [Fact]
    public async Task AMissingBrowserIsInstalledWithoutPromptOrRecommendsAfterTheListsAreUpdated()
    {
        using var dir = new TempDirectory();

        (int exitCode, string stderr, string[] calls) = await EnsureChromiumAsync(dir);

        if (!IsRoot)
        {
            Assert.NotEqual(0, exitCode);
            Assert.Contains("install it as root", stderr, StringComparison.Ordinal);
            Assert.Empty(calls);
            return;
        }
        Assert.True(exitCode == 0, stderr);
        Assert.Equal(2, calls.Length);
        Assert.StartsWith("apt-get update", calls[0], StringComparison.Ordinal);
        Assert.Equal("apt-get install -y -q --no-install-recommends chromium fonts-liberation [DEBIAN_FRONTEND=noninteractive]", calls[1]);
        Assert.True(File.Exists(dir.Combine("browser", "chromium")));
    }

    [Fact]
    public async Task AFailedInstallOnStaleListsUpdatesThemAndTriesOnceMore()
    {
        using var dir = new TempDirectory();
        dir.Write("lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", "");

        (int exitCode, string stderr, string[] calls) = await EnsureChromiumAsync(dir, failFirstInstall: true);

        if (!IsRoot)
        {
            Assert.NotEqual(0, exitCode);
            return;
        }
        Assert.True(exitCode == 0, stderr);
        Assert.Equal(["install", "update", "install"], calls.Select(c => c.Split(' ')[1]));
    }

    [Fact]
    public async Task APresentBrowserIsLeftAlone()
    {
        using var dir = new TempDirectory();
        dir.WriteScript("browser/chromium", "exit 0\n");

        (int exitCode, string stderr, string[] calls) = await EnsureChromiumAsync(dir);

        Assert.True(exitCode == 0, stderr);
        Assert.Empty(calls);
    }

    private static async Task<(int ExitCode, string StandardError, string[] Calls)> EnsureChromiumAsync(TempDirectory dir, bool failFirstInstall = false)
    {
        string log = dir.Combine("calls.log");
        string browser = dir.Combine("browser", "chromium");
        string failed = dir.Combine("failed-once");
        string fail = failFirstInstall ? $"[ -e '{failed}' ] || {{ touch '{failed}'; exit 100; }}\n" : "";
        dir.WriteScript("bin/apt-get", $"""
            echo "apt-get $* [DEBIAN_FRONTEND=$DEBIAN_FRONTEND]" >> '{log}'
            [ "$1" = install ] || exit 0
            {fail}mkdir -p '{Path.GetDirectoryName(browser)}' && printf '#!/bin/sh\n' > '{browser}' && chmod +x '{browser}'
            """ + "\n");
        Directory.CreateDirectory(dir.Combine("lists"));
        var start = new ProcessStartInfo("bash", ["-c", "source \"$1\" && ensure_chromium", "ensure_chromium",
            Path.Combine(Infrastructure.TestPaths.RepositoryRoot, "scripts", "common.sh")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        start.Environment["PATH"] = dir.Combine("bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["ACTORAI_APT_LISTS_DIR"] = dir.Combine("lists");
        start.Environment["ACTORAI_CHROMIUM"] = browser;
        start.Environment.Remove("DEBIAN_FRONTEND");
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        return (process.ExitCode, stderr, File.Exists(log) ? await File.ReadAllLinesAsync(log) : []);
    }
}
