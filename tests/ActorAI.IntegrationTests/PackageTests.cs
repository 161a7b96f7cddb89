using System.Text.RegularExpressions;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using ActorAI.IntegrationTests.Infrastructure;

namespace ActorAI.IntegrationTests;

/// <summary>
/// The packages as a .NET user takes them: <c>scripts/pack.sh</c> writes ActorAI.Abstractions, ActorAI.Client and the
/// actorai tool to a folder feed; a console program gets ActorAI.Client with <c>dotnet add package</c>, connects to a
/// real dev silo, lists its deployments and streams a chat through <c>IChatClient</c>; <c>dotnet tool install</c>
/// installs actorai.
/// </summary>
public sealed class PackageTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    // What a user writes: connect to a gateway, list deployments, stream a chat through Microsoft.Extensions.AI.
    private const string Program = """
        using ActorAI.Client;
        using Microsoft.Extensions.AI;

        await using ActorAIClient client = await ActorAIClient.ConnectAsync(new ActorAIClientOptions { Gateways = [args[0]] });
        foreach (var deployment in await client.ListDeploymentsAsync())
        {
            Console.WriteLine($"deployment {deployment.Name} {deployment.Status}");
        }
        IChatClient chat = client.AsChatClient(args[1]);
        var options = new ChatOptions { MaxOutputTokens = 6, Seed = 7, AdditionalProperties = new() { ["ignore_eos"] = true } };
        int updates = 0;
        ChatFinishReason? finish = null;
        long? outputTokens = null;
        await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync("Hello from a NuGet package", options))
        {
            updates++;
            finish ??= update.FinishReason;
            outputTokens ??= update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details.OutputTokenCount;
        }
        Console.WriteLine($"updates {updates}");
        Console.WriteLine($"finish {finish}");
        Console.WriteLine($"output_tokens {outputTokens}");
        """;

    [Fact]
    public async Task AConsoleProgramBuiltFromTheFeedStreamsAChatFromADevSilo()
    {
        using var work = new TempDirectory();
        await using SiloProcess silo = SiloProcess.StartDev("pkg", work.Combine("artifacts"), Path.GetTempPath());
        await silo.WaitHealthyAsync(TimeSpan.FromMinutes(2));
        await using (ActorAIClient admin = await ActorAIClient.ConnectAsync(new ActorAIClientOptions { Gateways = [$"127.0.0.1:{silo.GatewayPort}"] }))
        {
            await ServingModels.ImportAsync(admin, "pkg-model", 1);
            await ServingModels.DeployAsync(admin, "pkg-chat", new DeploymentSpec { Model = "pkg-model", MinReplicas = 1, MaxReplicas = 1 });
        }
        string app = feed.NewProjectDirectory("app");
        await File.WriteAllTextAsync(Path.Combine(app, "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Program);

        await feed.DotnetAsync(app, "add", "package", "ActorAI.Client", "--version", feed.Version);
        await feed.DotnetAsync(app, "build", "-nologo", "-v", "q", "-nodeReuse:false", "-o", "out");
        ProcessResult run = await feed.DotnetAsync(app, Path.Combine(app, "out", "app.dll"), $"127.0.0.1:{silo.GatewayPort}", "pkg-chat");

        string csproj = await File.ReadAllTextAsync(Path.Combine(app, "app.csproj"));
        Assert.Contains($"""<PackageReference Include="ActorAI.Client" Version="{feed.Version}" />""", csproj, StringComparison.Ordinal);
        // The packages came from the feed into this run's own package folder, not from the machine's cache.
        Assert.True(Directory.Exists(Path.Combine(feed.PackagesFolder, "actorai.client", feed.Version)), "ActorAI.Client was not restored from the feed");
        Assert.True(Directory.Exists(Path.Combine(feed.PackagesFolder, "actorai.abstractions", feed.Version)), "ActorAI.Abstractions did not come as a dependency");
        string[] lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("deployment pkg-chat Ready", lines);
        Assert.Contains("finish length", lines);
        Assert.Contains("output_tokens 6", lines);
        int updates = int.Parse(Assert.Single(lines, l => l.StartsWith("updates ", StringComparison.Ordinal))["updates ".Length..]);
        Assert.InRange(updates, 1, 6);
    }

    [Fact]
    public async Task TheToolInstallsFromTheFeedAndRunsWithoutTheComputeHost()
    {
        string tools = feed.NewProjectDirectory("tools");
        string checkpoint = Path.Combine(tools, "model.safetensors");
        await File.WriteAllTextAsync(checkpoint, "not needed: the compute host is looked for first");

        await feed.DotnetAsync(feed.Root, "tool", "install", "--tool-path", tools, "--add-source", feed.Folder, "--version", feed.Version, "actorai");
        string actorai = Path.Combine(tools, "actorai");
        ProcessResult help = await ProcessRunner.RunAsync(actorai, ["--help"], feed.Environment);
        ProcessResult version = await ProcessRunner.RunAsync(actorai, ["--version"], feed.Environment);
        ProcessResult local = await ProcessRunner.RunAsync(actorai, ["generate", "--checkpoint", checkpoint, "hi"], feed.Environment);

        Assert.True(help.ExitCode == 0, help.StandardError);
        foreach (string command in (string[])["models", "deploy", "generate", "train"])
        {
            Assert.Matches(new Regex($@"^\s+{command}\b", RegexOptions.Multiline), help.StandardOutput);
        }
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith(feed.VersionPrefix, version.StandardOutput.Trim(), StringComparison.Ordinal);
        // As a tool, actorai-compute is not beside it: a clear one-line refusal, not a crash.
        Assert.Equal(2, local.ExitCode);
        string refusal = Assert.Single(local.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("not part of the actorai .NET tool", refusal, StringComparison.Ordinal);
        Assert.Contains("ACTORAI_COMPUTE", refusal, StringComparison.Ordinal);
    }
}

/// <summary>
/// A folder feed written by <c>scripts/pack.sh</c> for one test run, and a <c>nuget.config</c> beside it whose sources
/// are that feed and the machine's own. Each run packs with its own version suffix and restores into its own package
/// folder (with the machine's package cache only as a read-only fallback), so no run is served another run's build and
/// the machine's cache gains nothing.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    private readonly TempDirectory _root = new();

    public string Root => _root.Path;

    public string Folder => _root.Combine("feed");

    public string PackagesFolder => _root.Combine("packages");

    public string VersionPrefix { get; private set; } = "";

    public string Version { get; private set; } = "";

    /// <summary>The environment of every child process: no telemetry or first-run noise, no lingering build servers.</summary>
    internal Dictionary<string, string> Environment { get; } = new()
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["ACTORAI_COMPUTE"] = "",
    };

    public async Task InitializeAsync()
    {
        string suffix = $"it.{Guid.NewGuid():N}"[..11];
        ProcessResult packed = await RunAsync(TestPaths.RepositoryRoot, "bash",
            [Path.Combine(TestPaths.RepositoryRoot, "scripts", "pack.sh"), "--configuration", TestPaths.Configuration, "--no-build",
             "--version-suffix", suffix, "--output", Folder]);
        Assert.Equal(Folder, packed.StandardOutput.Trim().Split('\n')[^1]);
        string client = Assert.Single(Directory.GetFiles(Folder, "ActorAI.Client.*.nupkg"));
        // ActorAI.Client.0.1.0-it.0123abcd.nupkg -> 0.1.0-it.0123abcd
        Version = Path.GetFileNameWithoutExtension(client)["ActorAI.Client.".Length..];
        VersionPrefix = Version[..Version.IndexOf('-', StringComparison.Ordinal)];
        Assert.EndsWith(suffix, Version, StringComparison.Ordinal);
        foreach (string package in (string[])[$"ActorAI.Abstractions.{Version}", $"ActorAI.Client.{Version}", $"actorai.{Version}"])
        {
            Assert.True(File.Exists(Path.Combine(Folder, package + ".nupkg")), $"{package}.nupkg is missing");
            Assert.True(File.Exists(Path.Combine(Folder, package + ".snupkg")), $"{package}.snupkg (symbols) is missing");
        }

        // The machine's configured sources (upstream of the local feed) and package cache, asked before nuget.config exists.
        ProcessResult sources = await DotnetAsync(Root, "nuget", "list", "source", "--format", "short");
        string[] upstream = [.. sources.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim())];
        ProcessResult locals = await DotnetAsync(Root, "nuget", "locals", "global-packages", "--list");
        string cache = locals.StandardOutput.Trim()["global-packages:".Length..].Trim();
        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{PackagesFolder}" />
              </config>
              <packageSources>
                <clear />
                <add key="actorai-local" value="{Folder}" />
            {string.Concat(upstream.Select((u, i) => $"    <add key=\"upstream-{i}\" value=\"{u}\" />\n"))}  </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{cache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A new directory under the feed's root, so that its nuget.config applies.</summary>
    public string NewProjectDirectory(string name) => Directory.CreateDirectory(_root.Combine(name)).FullName;

    /// <summary>Runs <c>dotnet</c> in <paramref name="directory"/>; a non-zero exit fails the test with the output.</summary>
    internal Task<ProcessResult> DotnetAsync(string directory, params string[] args) => RunAsync(directory, "dotnet", args);

    private async Task<ProcessResult> RunAsync(string directory, string fileName, string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        ProcessResult result = await ProcessRunner.RunAsync(fileName, args, Environment, timeout.Token, directory);
        Assert.True(result.ExitCode == 0,
            $"{fileName} {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        return result;
    }
}
