using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorAI.Client;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>
/// Three hosts on this machine, made by <c>scripts/hosts.sh</c>: network namespaces on a bridge, each with its own
/// address, HOME, working and artifact directories and one silo process; they share only a PostgreSQL that listens
/// on the bridge address in the root namespace. The fixture drives the script (one implementation of the harness)
/// and always takes everything down again. Needs root and <c>ip netns</c>; without them it fails, it does not skip.
/// </summary>
/// <remarks>
/// Environment: <c>ACTORAI_TEST_HOSTS_NET</c> (the script's <c>ACTORAI_HOSTS_NET</c>, default 1, so a set made by
/// hand with the default 0 is left alone), <c>ACTORAI_TEST_HOSTS_PG_PORT</c> (default: a free port) and
/// <c>ACTORAI_TEST_HOSTS_PG_DIR</c> (default: the script's).
/// </remarks>
public sealed class NamespaceHosts : IAsyncLifetime
{
    public const int Count = 3;

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "actorai-it-hosts", Guid.NewGuid().ToString("N"));
    private Dictionary<string, string>? _environment;
    private bool _created;

    public string ClusterId { get; } = $"hosts-{Guid.NewGuid():N}";

    public string AdminKey => SiloProcess.AdminKey;

    /// <summary>The shared PostgreSQL, reached at the bridge address (from the root namespace as from every host).</summary>
    public string PostgresConnectionString { get; private set; } = "";

    /// <summary>The hosts as <c>scripts/hosts.sh status</c> listed them once all silos were healthy, in host order.</summary>
    public IReadOnlyList<NamespaceHost> Hosts { get; private set; } = [];

    /// <summary>How long <c>scripts/hosts.sh up</c> took.</summary>
    public TimeSpan StartupTime { get; private set; }

    public async Task InitializeAsync()
    {
        await RequireNamespacesAsync();
        _created = true;
        try
        {
            var clock = Stopwatch.StartNew();
            ProcessResult up = await RunScriptAsync("up", Count.ToString());
            StartupTime = clock.Elapsed;
            if (up.ExitCode != 0)
            {
                // The script has removed what it made but kept the logs.
                string logs = DescribeLogs(Enumerable.Range(0, Count).Select(i => Path.Combine(HostsDirectory(), $"host-{i}", "silo.log")));
                throw new InvalidOperationException($"scripts/hosts.sh up {Count} exited {up.ExitCode}:\n{up.StandardError}\n{logs}");
            }
            await ReadStatusAsync();
            Assert.True(Hosts.Count == Count, $"scripts/hosts.sh status listed {Hosts.Count} hosts, not {Count}");
            Hosts = await Task.WhenAll(Hosts.Select(async h => h with { SiloAddress = await ReadSiloAddressAsync(h) }));
        }
        catch (Exception failure)
        {
            try
            {
                await DisposeAsync();
            }
            catch (Exception cleanup)
            {
                throw new AggregateException(failure, cleanup);
            }
            throw;
        }
    }

    /// <summary>Starts again the silos of hosts whose silo was killed (<c>scripts/hosts.sh up</c> is idempotent).</summary>
    public async Task RestartKilledSilosAsync()
    {
        ProcessResult up = await RunScriptAsync("up", Count.ToString());
        Assert.True(up.ExitCode == 0, $"scripts/hosts.sh up {Count} exited {up.ExitCode}: {up.StandardError}");
        await ReadStatusAsync();
        Hosts = await Task.WhenAll(Hosts.Select(async h => h with { SiloAddress = await ReadSiloAddressAsync(h) }));
    }

    /// <summary>The CLI's options to reach the cluster: every host's gateway, the cluster id and the client certificate.</summary>
    public string[] CliConnectionArguments =>
        [.. Hosts.SelectMany(h => new[] { "--gateway", h.Gateway }), "--cluster-id", ClusterId, .. CliTlsArguments];

    /// <summary>SIGKILLs the silo of host <paramref name="host"/> (0-based, as in the script); the host stays.</summary>
    public async Task KillSiloAsync(int host)
    {
        ProcessResult result = await RunScriptAsync("kill", host.ToString());
        Assert.True(result.ExitCode == 0, $"scripts/hosts.sh kill {host} exited {result.ExitCode}: {result.StandardError}");
    }

    /// <summary>The cluster's CA certificate and a client certificate it issued (PEM files made by scripts/certs.sh).</summary>
    public (string Ca, string Certificate, string Key) ClientCertificate { get; private set; }

    /// <summary>The CLI's options for the client certificate.</summary>
    public string[] CliTlsArguments =>
        ["--tls-cert", ClientCertificate.Certificate, "--tls-key", ClientCertificate.Key, "--tls-ca", ClientCertificate.Ca];

    /// <summary>
    /// A client in the root namespace that connects through the gateways of every host, presenting the client
    /// certificate (<paramref name="withCertificate"/> false: none, which the gateways refuse).
    /// </summary>
    public ActorAIClientOptions CreateClientOptions(bool withCertificate = true) => new()
    {
        ClusterId = ClusterId,
        Gateways = [.. Hosts.Select(h => h.Gateway)],
        ConnectTimeout = TimeSpan.FromSeconds(30),
        TlsCaPath = withCertificate ? ClientCertificate.Ca : null,
        TlsCertificatePath = withCertificate ? ClientCertificate.Certificate : null,
        TlsKeyPath = withCertificate ? ClientCertificate.Key : null,
    };

    /// <summary>
    /// An HTTPS client for host <paramref name="host"/>'s front, going straight to it (never through a proxy) and
    /// trusting only the cluster's CA.
    /// </summary>
    public HttpClient CreateHttpClient(int host, HttpMessageHandler? handler = null) => new(handler ?? CreateHttpHandler())
    {
        BaseAddress = Hosts[host].HttpBaseAddress,
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A handler trusting only the cluster's CA (share one between clients to share cookies).</summary>
    public SocketsHttpHandler CreateHttpHandler(System.Net.CookieContainer? cookies = null)
    {
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(ClientCertificate.Ca));
        return new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new System.Net.CookieContainer(),
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == 0
                        && chain.Build(new X509Certificate2(certificate));
                },
            },
        };
    }

    /// <summary>The end of every host's silo log, for a test's output when something went wrong.</summary>
    public string DescribeLogs() => DescribeLogs(Hosts.Select(h => h.LogPath));

    public async Task DisposeAsync()
    {
        if (!_created)
        {
            return;
        }
        _created = false;
        ProcessResult down = await RunScriptAsync("down");
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was written.
        }
        if (down.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/hosts.sh down exited {down.ExitCode}; namespaces or processes may be left:\n{down.StandardError}");
        }
    }

    /// <summary>
    /// What the script is told: the one place for settings of the hosts (the silos' own arguments are in the script's
    /// <c>silo_args</c>). The variables a developer sets for the tests are mapped to the script's.
    /// </summary>
    private Dictionary<string, string> ScriptEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            ["CI"] = "true",
            ["ACTORAI_STATE_DIR"] = _stateDirectory,
            ["ACTORAI_SILO_DLL"] = TestPaths.SiloHost,
            ["ACTORAI_CLUSTER_ID"] = ClusterId,
            ["ACTORAI_HOSTS_ADMIN_KEY"] = AdminKey,
            ["ACTORAI_HOSTS_NET"] = Setting("ACTORAI_TEST_HOSTS_NET") ?? "1",
            ["ACTORAI_HOSTS_PG_PORT"] = Setting("ACTORAI_TEST_HOSTS_PG_PORT") ?? TestPorts.Free(1)[0].ToString(),
        };
        if (Setting("ACTORAI_TEST_HOSTS_PG_DIR") is { } pgDirectory)
        {
            environment["ACTORAI_HOSTS_PG_DIR"] = pgDirectory;
        }
        return environment;
    }

    private async Task<ProcessResult> RunScriptAsync(params string[] args)
    {
        // Fixed at the first call: up, kill and down must agree on the port and the subnet.
        _environment ??= ScriptEnvironment();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            return await ProcessRunner.RunAsync("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "hosts.sh"), .. args], _environment, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"scripts/hosts.sh {string.Join(' ', args)} did not finish within {ScriptTimeout}; it was killed");
        }
    }

    private string HostsDirectory() => Path.Combine(_stateDirectory, $"hosts-{_environment!["ACTORAI_HOSTS_NET"]}");

    private async Task ReadStatusAsync()
    {
        ProcessResult status = await RunScriptAsync("status");
        Assert.True(status.ExitCode == 0, $"scripts/hosts.sh status exited {status.ExitCode}: {status.StandardError}");
        var hosts = new List<NamespaceHost>();
        foreach (string line in status.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Dictionary<string, string> fields = line.Split('\t').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length == 2 ? f[1] : "");
            if (fields.TryGetValue("postgres", out string? connectionString))
            {
                PostgresConnectionString = connectionString;
            }
            else if (fields.TryGetValue("tls_ca", out string? ca))
            {
                ClientCertificate = (ca, fields["tls_client_cert"], fields["tls_client_key"]);
            }
            else
            {
                hosts.Add(new NamespaceHost(
                    int.Parse(fields["host"]), fields["namespace"], fields["address"], new Uri(fields["http"]), fields["gateway"],
                    fields["dir"], fields["home"], fields["work"], fields["artifacts"], fields["log"],
                    int.TryParse(fields["pid"], out int pid) ? pid : null));
            }
        }
        Hosts = [.. hosts.OrderBy(h => h.Index)];
    }

    private async Task<string> ReadSiloAddressAsync(NamespaceHost host)
    {
        using HttpClient http = CreateHttpClient(host.Index);
        var health = await http.GetFromJsonAsync<Dictionary<string, object>>("/health");
        return health!["silo"].ToString()!;
    }

    private static async Task RequireNamespacesAsync()
    {
        const string Why = "NamespaceHosts makes network namespaces, veths and a bridge with scripts/hosts.sh, which needs root and " +
            "iproute2's `ip netns` (CI runs the tests as root). Run the integration tests as root, e.g. sudo scripts/test.sh --filter NamespaceHosts";
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException($"not root. {Why}");
        }
        ProcessResult probe;
        try
        {
            probe = await ProcessRunner.RunAsync("ip", ["netns", "list"]);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"`ip` cannot be run ({ex.Message}). {Why}", ex);
        }
        if (probe.ExitCode != 0)
        {
            throw new InvalidOperationException($"`ip netns list` exited {probe.ExitCode}: {probe.StandardError.Trim()}. {Why}");
        }
    }

    private static string? Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    private static string DescribeLogs(IEnumerable<string> logs)
    {
        var text = new StringBuilder();
        foreach (string log in logs)
        {
            text.AppendLine($"--- {log} ---");
            text.AppendLine(File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(60)) : "(no log)");
        }
        return text.ToString();
    }
}

/// <summary>
/// One host of <see cref="NamespaceHosts"/>: its namespace, address, endpoints and directories, and its silo's pid (null when
/// the silo was not running) at the time <c>scripts/hosts.sh status</c> was read.
/// </summary>
public sealed record NamespaceHost(
    int Index, string Namespace, string Address, Uri HttpBaseAddress, string Gateway,
    string Directory, string Home, string WorkingDirectory, string ArtifactDirectory, string LogPath, int? SiloPid)
{
    /// <summary>The silo's address as Orleans reports it (<c>ip:port@generation</c>), read from /health at start.</summary>
    public string SiloAddress { get; init; } = "";

    /// <summary>The silo's log so far.</summary>
    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";
}
