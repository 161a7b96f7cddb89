using System.Diagnostics;
using System.Text.Json;
using ActorAI.Abstractions.Diagnostics;
using ActorAI.Client;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>What the cluster tests ask a running cluster: where a grain lives, whether it answers, what the CLI shows.</summary>
internal static class ClusterProbes
{
    /// <summary>Activates ping grains until one lands on <paramref name="silo"/> (a silo address as /health reports it).</summary>
    public static async Task<PingReply> FindGrainOnAsync(ActorAIClient client, string silo, string keyPrefix = "failover")
    {
        for (int i = 0; i < 500; i++)
        {
            PingReply reply = await client.PingAsync($"{keyPrefix}-{i}");
            if (reply.Silo == silo)
            {
                return reply;
            }
        }
        throw new InvalidOperationException($"no grain was placed on {silo} in 500 activations");
    }

    /// <summary>Pings <paramref name="key"/> until a call answers within a second.</summary>
    public static async Task<PingReply> PingUntilAnsweredAsync(ActorAIClient client, string key, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await client.PingAsync(key).WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (Exception) when (clock.Elapsed < timeout)
            {
                // The call went to the dead silo (connection refused, or no answer yet): try again.
            }
        }
    }

    /// <summary>Reads until <paramref name="done"/> holds; fails with the last value read after <paramref name="timeout"/>.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        T value = await read();
        while (!done(value))
        {
            Assert.True(clock.Elapsed < timeout, $"condition not reached within {timeout}; last value: {JsonSerializer.Serialize(value)}");
            await Task.Delay(250);
            value = await read();
        }
        return value;
    }

    /// <summary><c>actorai cluster status --json</c>, a separate process reading the PostgreSQL membership table.</summary>
    public static async Task<JsonElement[]> CliStatusAsync(string connectionString, string clusterId, params string[] connection)
    {
        string json = await RunCliAsync(["cluster", "status", "--json", "--postgres", connectionString, "--cluster-id", clusterId, .. connection]);
        return [.. JsonDocument.Parse(json).RootElement.EnumerateArray()];
    }

    /// <summary>Runs the built <c>actorai</c> CLI and returns its standard output; fails on a non-zero exit.</summary>
    public static async Task<string> RunCliAsync(string[] args)
    {
        ProcessResult result = await ProcessRunner.RunAsync("dotnet", [TestPaths.Cli, .. args]);
        Assert.True(result.ExitCode == 0, $"actorai {string.Join(' ', args)} exited {result.ExitCode}: {result.StandardError}");
        return result.StandardOutput;
    }
}
