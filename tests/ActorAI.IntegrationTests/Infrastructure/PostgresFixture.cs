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
        ProcessResult result = await ProcessRunner.RunAsync("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "postgres.sh"), "start"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh start failed ({result.ExitCode}): {result.StandardError}");
        }
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
