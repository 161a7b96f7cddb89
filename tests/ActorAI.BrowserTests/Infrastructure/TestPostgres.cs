using System.Diagnostics;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>
/// The PostgreSQL the test silos keep their state in: <c>ACTORAI_TEST_POSTGRES</c> when set (scripts/test.sh sets it),
/// otherwise the throwaway server of <c>scripts/postgres.sh start</c>, started once per test run.
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "ACTORAI_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    public static Task<string> ConnectionStringAsync() => Server.Value;

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }
        var start = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "postgres.sh"), "start"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh start failed ({process.ExitCode}); set {Variable} or fix: {await stderr}");
        }
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
    }
}
