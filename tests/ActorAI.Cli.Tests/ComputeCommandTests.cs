using ActorAI.Cli.Compute;

namespace ActorAI.Cli.Tests;

/// <summary>
/// <c>train</c> and <c>generate</c> against a stand-in for actorai-compute (a shell script that records its arguments),
/// so no test loads LibTorch.
/// </summary>
public sealed class ComputeCommandTests
{
    [Fact]
    public async Task TrainWithoutLocalGoesToTheClusterNotToTheComputeHost()
    {
        using var temp = new TempDirectory();
        ComputeHostLocator locator = FakeCompute(temp, exitCode: 0);

        (int code, string stderr) = await RunAsync(locator, "train", "--data", temp.Path, "--job-id", "j", "--gateway", $"127.0.0.1:{TestPorts.Free(1)[0]}", "--timeout", "1");

        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.StartsWith("actorai: cannot reach the ActorAI cluster", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("args.txt")));
    }

    [Fact]
    public async Task TrainLocalPassesOptionsTheClusterPathAlsoKnowsThroughInOrder()
    {
        using var temp = new TempDirectory();
        ComputeHostLocator locator = FakeCompute(temp, exitCode: 0);

        (int code, string stderr) = await RunAsync(locator,
            "train", "--local", "--data", "/data/x", "--lr", "3e-4", "--gateway", "127.0.0.1:1", "--minutes", "2", "--threads", "4", "--checkpoint-dir", "ckpt");

        Assert.True(code == 0, stderr);
        Assert.Equal(["train", "--data", "/data/x", "--lr", "3e-4", "--minutes", "2", "--threads", "4", "--checkpoint-dir", "ckpt"], Arguments(temp));
    }

    [Fact]
    public async Task TrainLocalPassesTheOtherTokensThroughAndReturnsTheExitCode()
    {
        using var temp = new TempDirectory();
        ComputeHostLocator locator = FakeCompute(temp, exitCode: 7);

        (int code, string stderr) = await RunAsync(locator, "train", "--data", "/data/x", "--local", "--steps", "5", "--preset", "tiny", "--", "--help");

        Assert.True(code == 7, stderr);
        Assert.Equal(["train", "--data", "/data/x", "--steps", "5", "--preset", "tiny", "--help"], Arguments(temp));
    }

    [Fact]
    public async Task GeneratePassesTheCheckpointAndThePromptThrough()
    {
        using var temp = new TempDirectory();
        ComputeHostLocator locator = FakeCompute(temp, exitCode: 0);
        string checkpoint = temp.Write("model.safetensors", "");

        (int code, string stderr) = await RunAsync(locator, "generate", "--checkpoint", checkpoint, "@alice: once upon a time", "--max-tokens", "5", "--temperature", "0");

        Assert.True(code == 0, stderr);
        Assert.Equal(["generate", "--checkpoint", checkpoint, "@alice: once upon a time", "--max-tokens", "5", "--temperature", "0"], Arguments(temp));
    }

    [Fact]
    public async Task GenerateWithACheckpointPassesOptionsOnlyTheComputeHostKnowsButNotTheConnectionOnes()
    {
        using var temp = new TempDirectory();
        ComputeHostLocator locator = FakeCompute(temp, exitCode: 0);
        string checkpoint = temp.Write("model.safetensors", "");

        (int code, string stderr) = await RunAsync(locator,
            "generate", "--gateway", "127.0.0.1:1", "once", "--top-k", "40", "--checkpoint", checkpoint, "--stop", "a", "--stop", "b", "--timeout", "5", "--seed", "3");

        Assert.True(code == 0, stderr);
        Assert.Equal(["generate", "--checkpoint", checkpoint, "once", "--top-k", "40", "--stop", "a", "--stop", "b", "--seed", "3"], Arguments(temp));
    }

    [Fact]
    public async Task GenerateWithAMissingCheckpointStopsBeforeStartingTheHost()
    {
        using var temp = new TempDirectory();
        ComputeHostLocator locator = FakeCompute(temp, exitCode: 0);

        (int code, string stderr) = await RunAsync(locator, "generate", "--checkpoint", temp.Combine("none.safetensors"), "hello");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Contains("--checkpoint", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("args.txt")));
    }

    [Fact]
    public async Task AMissingComputeHostIsOneLineWithExitCode2()
    {
        using var temp = new TempDirectory();

        (int code, string stderr) = await RunAsync(Unused(temp), "train", "--local", "--data", temp.Path);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("actorai train: actorai-compute was not found", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellationKillsTheChild()
    {
        using var temp = new TempDirectory();
        string started = temp.Combine("started");
        string script = temp.WriteScript("compute", $"echo $$ > '{started}.tmp' && mv '{started}.tmp' '{started}'\nexec sleep 60\n");
        using var cancel = new CancellationTokenSource();

        Task<int> run = ChildProcess.RunAsync(script, [], TimeSpan.Zero, cancel.Token);
        int pid = await ReadPidAsync(started, run);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is still running");
    }

    // Waits until the script has written its pid (it renames the file into place), or fails if the child exits first.
    private static async Task<int> ReadPidAsync(string path, Task run)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        watcher.Created += (_, _) => written.TrySetResult();
        watcher.Renamed += (_, _) => written.TrySetResult();
        watcher.EnableRaisingEvents = true;
        if (!File.Exists(path))
        {
            Task first = await Task.WhenAny(written.Task, run).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(first == written.Task, "the child exited before it started");
        }
        return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // A stand-in for actorai-compute that writes one argument per line to args.txt and exits with exitCode.
    private static ComputeHostLocator FakeCompute(TempDirectory temp, int exitCode)
    {
        string script = temp.WriteScript("actorai-compute", $"printf '%s\\n' \"$@\" > '{temp.Combine("args.txt")}'\nexit {exitCode}\n");
        return new ComputeHostLocator(name => name == ComputeHostLocator.EnvironmentVariable ? script : null, temp.Path, "dotnet");
    }

    private static ComputeHostLocator Unused(TempDirectory temp) => new(_ => null, temp.Path, "dotnet");

    private static string[] Arguments(TempDirectory temp) => File.ReadAllLines(temp.Combine("args.txt"));

    private static async Task<(int Code, string Stderr)> RunAsync(ComputeHostLocator locator, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr, locator);
        return (code, stderr.ToString());
    }
}
