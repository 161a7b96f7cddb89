using System.Reflection;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>Paths of the built artifacts the tests launch, recorded at build time.</summary>
internal static class TestPaths
{
    public static string SiloHost => Get("SiloHostPath");

    public static string Cli => Get("CliPath");

    public static string RepositoryRoot => Get("RepositoryRoot");

    /// <summary>The build configuration (Debug, Release) the tests and the products they launch were built in.</summary>
    public static string Configuration => Metadata("Configuration");

    private static string Get(string key) => Path.GetFullPath(Metadata(key));

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
