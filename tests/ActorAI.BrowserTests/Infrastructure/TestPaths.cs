using System.Reflection;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>Paths recorded at build time (the built silo host, the repository), and where the tests write their output.</summary>
internal static class TestPaths
{
    /// <summary>Overrides the screenshot folder (default <c>artifacts/screenshots</c> under the repository, not committed).</summary>
    public const string ScreenshotsVariable = "ACTORAI_SCREENSHOTS";

    public static string SiloHost => Get("SiloHostPath");

    public static string RepositoryRoot => Get("RepositoryRoot");

    /// <summary>Where each test's screenshot goes; <c>views/</c> under it holds one picture per dashboard view.</summary>
    public static string Screenshots => Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } folder
        ? Path.GetFullPath(folder)
        : Path.Combine(RepositoryRoot, "artifacts", "screenshots");

    private static string Get(string key) => Path.GetFullPath(
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!);
}
