using ActorAI.Cli.Compute;

namespace ActorAI.Cli.Tests;

public sealed class ComputeHostLocatorTests
{
    private const string Dotnet = "/opt/dotnet/dotnet";

    [Fact]
    public void TheEnvironmentVariableWinsAndADllRunsThroughDotnet()
    {
        using var temp = new TempDirectory();
        string dll = temp.Write("custom/actorai-compute.dll", "");
        temp.Write("bin/actorai-compute.dll", "");

        ComputeHost host = Locate(Environment(dll), temp.Combine("bin"));

        Assert.Equal(Dotnet, host.FileName);
        Assert.Equal([dll], host.LeadingArguments);
        Assert.Equal(dll, host.Path);
    }

    [Fact]
    public void TheEnvironmentVariableMayNameAnExecutableOrADirectory()
    {
        using var temp = new TempDirectory();
        string executable = temp.Write("tools/actorai-compute", "");
        string dll = temp.Write("tools/actorai-compute.dll", "");

        ComputeHost fromExecutable = Locate(Environment(executable), temp.Combine("bin"));
        ComputeHost fromDirectory = Locate(Environment(temp.Combine("tools")), temp.Combine("bin"));

        Assert.Equal(executable, fromExecutable.FileName);
        Assert.Empty(fromExecutable.LeadingArguments);
        Assert.Equal(dll, fromDirectory.Path);
    }

    [Fact]
    public void AnEnvironmentVariableNamingNothingIsReportedNotSkipped()
    {
        using var temp = new TempDirectory();
        temp.Write("bin/actorai-compute.dll", "");
        var locator = new ComputeHostLocator(Environment(temp.Combine("missing.dll")), temp.Combine("bin"), Dotnet);

        Assert.False(locator.TryLocate(out _, out string problem));
        Assert.StartsWith($"ACTORAI_COMPUTE is set to '{temp.Combine("missing.dll")}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NextToTheCliComesBeforeTheRepositoryBuild()
    {
        using var temp = new TempDirectory();
        string cli = Repository(temp, "Release", "Debug");
        string beside = temp.Write(Path.Combine(cli, "actorai-compute.dll"), "");

        Assert.Equal(beside, Locate(Environment(null), cli).Path);
    }

    [Theory]
    [InlineData("Release", "Release", "Debug")]
    [InlineData("Debug", "Debug")]
    public void TheRepositoryBuildIsFoundByWalkingUpToTheSolution(string expected, params string[] built)
    {
        using var temp = new TempDirectory();
        string cli = Repository(temp, built);

        ComputeHost host = Locate(Environment(null), cli);

        Assert.Equal(temp.Combine("repo", "src", "ActorAI.Compute.Host", "bin", expected, "net10.0", "linux-x64", "actorai-compute.dll"), host.Path);
    }

    [Fact]
    public void NotFoundSaysWhereItLookedAndHowToBuildIt()
    {
        using var temp = new TempDirectory();
        string cli = Repository(temp);
        var locator = new ComputeHostLocator(Environment(null), cli, Dotnet);

        Assert.False(locator.TryLocate(out ComputeHost? host, out string problem));
        Assert.Null(host);
        Assert.Contains(Path.Combine(cli, "actorai-compute.dll"), problem, StringComparison.Ordinal);
        Assert.Contains(temp.Combine("repo", "src", "ActorAI.Compute.Host", "bin", "Debug", "net10.0", "linux-x64", "actorai-compute.dll"), problem, StringComparison.Ordinal);
        Assert.Contains("dotnet build src/ActorAI.Compute.Host -c Release", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void InstalledAsAToolWithoutARepositoryItSaysLocalComputeMustBeBuiltSeparately()
    {
        using var temp = new TempDirectory();
        // The layout `dotnet tool install --tool-path` leaves: no ActorAI.sln above, no actorai-compute beside.
        string tool = temp.Combine("tools", ".store", "actorai", "0.1.0", "actorai", "0.1.0", "tools", "net10.0", "any");
        Directory.CreateDirectory(tool);
        var locator = new ComputeHostLocator(Environment(null), tool, Dotnet);

        Assert.False(locator.TryLocate(out ComputeHost? host, out string problem));
        Assert.Null(host);
        Assert.Contains(Path.Combine(tool, "actorai-compute.dll"), problem, StringComparison.Ordinal);
        Assert.Contains("not part of the actorai .NET tool", problem, StringComparison.Ordinal);
        Assert.Contains("set ACTORAI_COMPUTE", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Theory]
    [InlineData("/usr/share/dotnet/dotnet", "/usr/share/dotnet/dotnet")]
    [InlineData("/work/bin/actorai", "dotnet")]
    [InlineData(null, "dotnet")]
    public void DllsRunWithTheDotnetHostOfThisProcessWhenThereIsOne(string? processPath, string expected) =>
        Assert.Equal(expected, ComputeHostLocator.DotnetHost(processPath));

    // A repository with ActorAI.sln, the compute host built in the given configurations, and the CLI's output folder.
    private static string Repository(TempDirectory temp, params string[] built)
    {
        temp.Write("repo/ActorAI.sln", "");
        foreach (string configuration in built)
        {
            temp.Write($"repo/src/ActorAI.Compute.Host/bin/{configuration}/net10.0/linux-x64/actorai-compute.dll", "");
        }
        string cli = temp.Combine("repo", "src", "ActorAI.Cli", "bin", "Release", "net10.0");
        Directory.CreateDirectory(cli);
        return cli;
    }

    private static Func<string, string?> Environment(string? compute) =>
        name => name == ComputeHostLocator.EnvironmentVariable ? compute : null;

    private static ComputeHost Locate(Func<string, string?> environment, string baseDirectory)
    {
        var locator = new ComputeHostLocator(environment, baseDirectory, Dotnet);
        Assert.True(locator.TryLocate(out ComputeHost? host, out string problem), problem);
        return host;
    }
}
