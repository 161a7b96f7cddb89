using System.Reflection;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>Paths of the built artifacts the tests launch, recorded at build time.</summary>
internal static class TestPaths
{
    public static string SiloHost => Get("SiloHostPath");

    public static string Cli => Get("CliPath");

    public static string RepositoryRoot => Get("RepositoryRoot");

    private static string Get(string key) => Path.GetFullPath(
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!);
}
