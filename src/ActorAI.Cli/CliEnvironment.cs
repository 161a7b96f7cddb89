using ActorAI.Cli.Compute;
using ActorAI.Client;

namespace ActorAI.Cli;

/// <summary>Connects to a cluster (<see cref="ActorAIClient.ConnectAsync"/> outside tests).</summary>
internal delegate Task<ActorAIClient> ClusterConnector(ActorAIClientOptions options, CancellationToken cancellationToken);

/// <summary>What the commands reach outside this process; tests replace parts of it.</summary>
/// <param name="ComputeHost">Finds actorai-compute for the commands that run it.</param>
/// <param name="Connect">Opens a cluster connection.</param>
/// <param name="Time">Clock for default job ids and the pace of plain progress lines.</param>
/// <param name="PollInterval">How often a followed training job is polled.</param>
internal sealed record CliEnvironment(ComputeHostLocator ComputeHost, ClusterConnector Connect, TimeProvider Time, TimeSpan PollInterval)
{
    /// <summary>The real one: this process's compute host, the network, the system clock.</summary>
    public static CliEnvironment ForThisProcess(ComputeHostLocator? computeHost = null) => new(
        computeHost ?? ComputeHostLocator.ForThisProcess(),
        ActorAIClient.ConnectAsync,
        TimeProvider.System,
        ActorAIClient.DefaultPollInterval);
}
