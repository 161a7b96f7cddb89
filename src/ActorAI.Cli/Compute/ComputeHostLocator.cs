using System.Diagnostics.CodeAnalysis;

namespace ActorAI.Cli.Compute;

/// <summary>How to start <c>actorai-compute</c>: the program, and the arguments that precede the command's own.</summary>
/// <param name="FileName">The executable: <c>actorai-compute</c> itself, or the <c>dotnet</c> host for a <c>.dll</c>.</param>
/// <param name="LeadingArguments">The <c>.dll</c> path when run through <c>dotnet</c>; empty otherwise.</param>
/// <param name="Path">The actorai-compute file found.</param>
internal sealed record ComputeHost(string FileName, IReadOnlyList<string> LeadingArguments, string Path);

/// <summary>
/// Finds the <c>actorai-compute</c> program (the separate process that loads LibTorch), in order: the
/// <see cref="EnvironmentVariable"/> (a <c>.dll</c>, an executable, or a directory holding <see cref="DllName"/>);
/// <see cref="DllName"/> next to the <c>actorai</c> binary; the repository's build outputs, found by walking up from
/// the binary to the directory holding <see cref="SolutionFile"/> (Release before Debug).
/// </summary>
internal sealed class ComputeHostLocator(Func<string, string?> getEnvironmentVariable, string baseDirectory, string dotnetHost)
{
    public const string EnvironmentVariable = "ACTORAI_COMPUTE";
    public const string DllName = "actorai-compute.dll";
    public const string SolutionFile = "ActorAI.sln";

    /// <summary>Build outputs below the repository root, in the order they are tried.</summary>
    public static readonly IReadOnlyList<string> BuildOutputs =
    [
        Path.Combine("src", "ActorAI.Compute.Host", "bin", "Release", "net10.0", "linux-x64"),
        Path.Combine("src", "ActorAI.Compute.Host", "bin", "Debug", "net10.0", "linux-x64"),
    ];

    /// <summary>The locator for this process: its environment, its binary's directory and its <c>dotnet</c> host.</summary>
    public static ComputeHostLocator ForThisProcess() =>
        new(Environment.GetEnvironmentVariable, AppContext.BaseDirectory, DotnetHost(Environment.ProcessPath));

    /// <summary>Finds actorai-compute, or explains in one line where it looked and how to build it.</summary>
    public bool TryLocate([NotNullWhen(true)] out ComputeHost? host, out string problem)
    {
        host = null;
        problem = "";
        if (getEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            string path = Path.GetFullPath(configured);
            if (Directory.Exists(path))
            {
                path = Path.Combine(path, DllName);
            }
            if (!File.Exists(path))
            {
                problem = $"{EnvironmentVariable} is set to '{configured}', but {path} does not exist; point it at actorai-compute.dll or the actorai-compute executable.";
                return false;
            }
            host = HostFor(path);
            return true;
        }

        var searched = new List<string>();
        foreach (string candidate in Candidates())
        {
            if (File.Exists(candidate))
            {
                host = HostFor(candidate);
                return true;
            }
            searched.Add(candidate);
        }
        string looked = $"actorai-compute was not found ({EnvironmentVariable} is not set; looked for {string.Join(", ", searched)}). ";
        // Installed as a .NET tool (dotnet tool install), actorai has no repository around it and no actorai-compute
        // beside it: the tool package leaves LibTorch out, so the host must be built from the repository.
        problem = RepositoryRoot() is not null
            ? looked + "Build it with `dotnet build src/ActorAI.Compute.Host -c Release` in the repository, or set "
                + $"{EnvironmentVariable} to the path of actorai-compute.dll."
            : looked + "Local compute is not part of the actorai .NET tool (it needs LibTorch): build actorai-compute from the "
                + $"ActorAI repository with `dotnet build src/ActorAI.Compute.Host -c Release` and set {EnvironmentVariable} to "
                + "the path of its actorai-compute.dll. Commands that use a cluster work without it.";
        return false;
    }

    /// <summary><c>dotnet</c> itself when this process runs under it (the same installation), else <c>dotnet</c> from the PATH.</summary>
    internal static string DotnetHost(string? processPath) =>
        processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";

    private IEnumerable<string> Candidates()
    {
        yield return Path.Combine(baseDirectory, DllName);
        if (RepositoryRoot() is { } root)
        {
            foreach (string output in BuildOutputs)
            {
                yield return Path.Combine(root, output, DllName);
            }
        }
    }

    // The nearest directory at or above the binary that holds the solution file, if any.
    private string? RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(baseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }
        return null;
    }

    private ComputeHost HostFor(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ComputeHost(dotnetHost, [path], path)
            : new ComputeHost(path, [], path);
}
