using System.CommandLine;
using ActorAI.Client;

namespace ActorAI.Cli;

/// <summary>The options every command that talks to a cluster accepts, with environment-variable fallbacks.</summary>
internal sealed class ConnectionSettings(ClusterConnector connect)
{
    public Option<string[]> Gateway { get; } = new("--gateway")
    {
        Description = "Gateway host:port of a silo (repeatable). Env ACTORAI_GATEWAY (comma-separated). Default 127.0.0.1:30000.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "Find gateways in this PostgreSQL membership table (Npgsql connection string). Env ACTORAI_POSTGRES.",
        Recursive = true,
    };

    public Option<string?> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Cluster id. Env ACTORAI_CLUSTER_ID. Default actorai-dev (actorai with --postgres).",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the cluster.",
        Recursive = true,
        DefaultValueFactory = _ => 10,
    };

    public Option<string?> TlsCertificate { get; } = new("--tls-cert")
    {
        Description = "This client's PEM certificate for a cluster with mutual TLS (with --tls-key and --tls-ca). Env ACTORAI_TLS_CERT.",
        Recursive = true,
    };

    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = "The PEM private key of --tls-cert. Env ACTORAI_TLS_KEY.",
        Recursive = true,
    };

    public Option<string?> TlsCa { get; } = new("--tls-ca")
    {
        Description = "The cluster's PEM CA certificate. Env ACTORAI_TLS_CA.",
        Recursive = true,
    };

    /// <summary>The connection options.</summary>
    public IReadOnlyList<Option> All => [Gateway, Postgres, ClusterId, Timeout, TlsCertificate, TlsKey, TlsCa];

    public void AddTo(Command command)
    {
        foreach (Option option in All)
        {
            command.Add(option);
        }
    }

    /// <summary>Connects with the options of <paramref name="parse"/>.</summary>
    /// <exception cref="ClusterUnavailableException">No gateway answered in time.</exception>
    public Task<ActorAIClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken) => connect(Read(parse), cancellationToken);

    public ActorAIClientOptions Read(ParseResult parse)
    {
        var options = new ActorAIClientOptions();
        string? postgres = parse.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("ACTORAI_POSTGRES");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            options.PostgresConnectionString = postgres;
            options.ClusterId = "actorai";
        }
        string[] gateways = parse.GetValue(Gateway) ?? [];
        if (gateways.Length == 0 && Environment.GetEnvironmentVariable("ACTORAI_GATEWAY") is { Length: > 0 } envGateways)
        {
            gateways = envGateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        if (gateways.Length > 0)
        {
            options.Gateways = [.. gateways];
        }
        string? clusterId = parse.GetValue(ClusterId) ?? Environment.GetEnvironmentVariable("ACTORAI_CLUSTER_ID");
        if (!string.IsNullOrWhiteSpace(clusterId))
        {
            options.ClusterId = clusterId;
        }
        options.TlsCertificatePath = parse.GetValue(TlsCertificate) ?? Environment.GetEnvironmentVariable("ACTORAI_TLS_CERT");
        options.TlsKeyPath = parse.GetValue(TlsKey) ?? Environment.GetEnvironmentVariable("ACTORAI_TLS_KEY");
        options.TlsCaPath = parse.GetValue(TlsCa) ?? Environment.GetEnvironmentVariable("ACTORAI_TLS_CA");
        double seconds = parse.GetValue(Timeout);
        options.ConnectTimeout = seconds > 0 && seconds < 3600 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        return options;
    }
}
