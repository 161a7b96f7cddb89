using System.Diagnostics;
using Npgsql;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>
/// The real PostgreSQL the integration tests run against: <c>ACTORAI_TEST_POSTGRES</c> when set (scripts/test.sh
/// sets it), otherwise the throwaway server of <c>scripts/postgres.sh start</c>. The Orleans schema must be applied.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string Variable = "ACTORAI_TEST_POSTGRES";

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : await StartWithScriptAsync();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansquery", connection);
        long keys = (long)(await command.ExecuteScalarAsync())!;
        Assert.True(keys >= 20, $"the Orleans schema is not applied ({keys} query keys); run scripts/postgres.sh schema");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<string> StartWithScriptAsync()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "postgres.sh"), "start"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh start failed ({process.ExitCode}): {await stderr}");
        }
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
