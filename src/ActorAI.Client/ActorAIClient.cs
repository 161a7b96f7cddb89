using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ActorAI.Client;

/// <summary>
/// A connection to an ActorAI cluster: a small typed facade over an Orleans cluster client. Create with
/// <see cref="ConnectAsync"/> (or wrap a cluster client this process already has with <see cref="Create"/>); dispose to
/// disconnect.
/// </summary>
public sealed partial class ActorAIClient : IAsyncDisposable
{
    // Null when the client wraps a cluster client it does not own (see Create).
    private readonly IHost? _host;

    private ActorAIClient(IHost? host, IClusterClient cluster, ActorAIClientOptions options)
    {
        _host = host;
        Options = options;
        Cluster = cluster;
    }

    /// <summary>The options this client connected with.</summary>
    public ActorAIClientOptions Options { get; }

    /// <summary>The underlying Orleans client, for grain calls the facade does not cover yet.</summary>
    public IClusterClient Cluster { get; }

    /// <summary>Connects, retrying until <see cref="ActorAIClientOptions.ConnectTimeout"/> elapses.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="ClusterUnavailableException">No gateway answered in time.</exception>
    public static async Task<ActorAIClient> ConnectAsync(ActorAIClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new ActorAIClientOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(ActorAIClientOptions), typeof(ActorAIClientOptions), validation.Failures);
        }

        var deadline = DateTimeOffset.UtcNow + options.ConnectTimeout;
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddFilter(level => level >= LogLevel.Error).AddFilter("Orleans", LogLevel.None);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            {
                client.UseStaticClustering(options.Gateways
                    .Select(g => ActorAIClientOptionsValidator.TryParseGateway(g, out var gateway)
                        ? ActorAIClientOptionsValidator.Resolve(gateway)
                        : throw new ArgumentException($"Gateways entry '{g}' is invalid."))
                    .ToArray());
            }
            else
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = options.PostgresConnectionString;
                });
            }
            client.UseConnectionRetryFilter((_, ct) => RetryUntil(deadline, ct));
            // The router's spans (ActorAIClientDiagnostics) continue on the silos that serve the calls.
            client.AddActivityPropagation();
            if (options.UsesTls)
            {
                var certificates = ClusterCertificates.Load(options.TlsCertificatePath!, options.TlsKeyPath!, options.TlsCaPath!);
                client.Services.AddSingleton(certificates);
                client.UseTls(certificates.Configure);
            }
        });
        IHost host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout + TimeSpan.FromSeconds(5));
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
            return new ActorAIClient(host, host.Services.GetRequiredService<IClusterClient>(), options);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new ClusterUnavailableException(
                $"cannot reach the ActorAI cluster at {options.Describe()} within {options.ConnectTimeout.TotalSeconds:0.#} s: {Describe(ex)}", ex);
        }
    }

    /// <summary>
    /// Wraps a cluster client this process already has — the one a silo host or a co-hosted client registers, or a test
    /// double. The facade does not own it: disposing the facade leaves <paramref name="cluster"/> running.
    /// </summary>
    public static ActorAIClient Create(IClusterClient cluster, ActorAIClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return new ActorAIClient(null, cluster, options ?? new ActorAIClientOptions());
    }

    /// <summary>Every silo of the cluster with its status and advertised resources (dead silos included).</summary>
    public Task<IReadOnlyList<SiloInfo>> GetSilosAsync() => Cluster.GetGrain<IClusterGrain>(0).GetSilosAsync();

    /// <summary>Pings the diagnostics grain <paramref name="key"/>, which records the ping durably.</summary>
    public Task<PingReply> PingAsync(string key, string message = "ping")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Cluster.GetGrain<IPingGrain>(key).PingAsync(message);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is null)
        {
            return;
        }
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }

    private static async Task<bool> RetryUntil(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500) >= deadline)
        {
            return false;
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string Describe(Exception ex)
    {
        Exception root = ex;
        while (root.InnerException is not null && root is AggregateException or TaskCanceledException)
        {
            root = root.InnerException;
        }
        return root is OperationCanceledException ? "timed out" : root.Message.Split('\n')[0].Trim();
    }
}
