using ActorAI.IntegrationTests.Infrastructure;
using Npgsql;

namespace ActorAI.IntegrationTests;

/// <summary>
/// Runs scripts/sql/test-orleans-postgres.sql: every stored query of the clustering, persistence and reminder
/// providers, checked against the contract of Orleans 10.4.2's ADO.NET providers (psql, on the test database).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaContractTests(PostgresFixture postgres)
{
    [Fact]
    public async Task EveryStoredQueryMeetsTheProviderContract()
    {
        var cs = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        string script = Path.Combine(TestPaths.RepositoryRoot, "scripts", "sql", "test-orleans-postgres.sql");

        ProcessResult result = await ProcessRunner.RunAsync(Psql(),
            ["-X", "-v", "ON_ERROR_STOP=1", "-h", cs.Host!, "-p", cs.Port.ToString(), "-U", cs.Username!, "-d", cs.Database!, "-f", script]);

        Assert.True(result.ExitCode == 0, $"psql exited {result.ExitCode}:\n{result.StandardError}\n{result.StandardOutput}");
        Assert.Contains("0 failed", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    private static string Psql() =>
        File.Exists("/usr/lib/postgresql/15/bin/psql") ? "/usr/lib/postgresql/15/bin/psql" : "psql";
}
