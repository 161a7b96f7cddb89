using ActorAI.IntegrationTests.Infrastructure;

namespace ActorAI.IntegrationTests.Scripts;

/// <summary>
/// The scripts that download Debian packages run <c>apt-get update</c> themselves on a machine that never did
/// (scripts/common.sh's ensure_apt_lists). apt-get, dpkg-deb and sudo are stand-ins on PATH that record their calls;
/// the download fails, so the scripts stop there.
/// </summary>
public sealed class AptPackageListTests
{
    [Fact]
    public async Task TheCorpusScriptUpdatesMissingPackageListsBeforeDownloading()
    {
        using var dir = new TempDirectory();

        (ProcessResult result, string[] calls) = await RunCorpusScriptAsync(dir);

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(calls.Length >= 2, $"expected apt-get update then download; calls: {string.Join(" | ", calls)}; stderr: {result.StandardError}");
        Assert.StartsWith("apt-get update", calls[0], StringComparison.Ordinal);
        Assert.StartsWith("apt-get download", calls[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresentPackageListsAreNotUpdatedAgain()
    {
        using var dir = new TempDirectory();
        dir.Write("lists/deb.debian.org_debian_dists_stable_main_binary-amd64_Packages.lz4", "");

        (_, string[] calls) = await RunCorpusScriptAsync(dir);

        Assert.DoesNotContain(calls, c => c.StartsWith("apt-get update", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.StartsWith("apt-get download", StringComparison.Ordinal));
    }

    private static async Task<(ProcessResult Result, string[] Calls)> RunCorpusScriptAsync(TempDirectory dir)
    {
        string log = dir.Combine("calls.log");
        dir.WriteScript("bin/apt-get", $"echo \"apt-get $*\" >> '{log}'\n[ \"$1\" = update ]\n");
        dir.WriteScript("bin/dpkg-deb", "exit 1\n");
        dir.WriteScript("bin/sudo", "shift\nexec \"$@\"\n"); // sudo -n CMD...
        Directory.CreateDirectory(dir.Combine("lists"));
        ProcessResult result = await ProcessRunner.RunAsync("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "corpus.sh")], new Dictionary<string, string>
        {
            ["PATH"] = dir.Combine("bin") + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["ACTORAI_APT_LISTS_DIR"] = dir.Combine("lists"),
            ["ACTORAI_CORPUS_DIR"] = dir.Combine("corpus"),
        });
        return (result, File.Exists(log) ? await File.ReadAllLinesAsync(log) : []);
    }
}
