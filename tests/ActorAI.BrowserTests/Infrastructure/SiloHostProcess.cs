using System.Diagnostics;
using System.Text;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>
/// One real <c>actorai-silo</c> process for the browser tests, of the cluster profile: its membership, grain state and
/// data-protection keys live in PostgreSQL, so what the dashboard shows survives a restart of the process. Its output is
/// kept for the log written next to the screenshots.
/// </summary>
internal sealed class SiloHostProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string[] _arguments;
    private readonly string _adminKey;
    private Process _process;

    private SiloHostProcess(string[] arguments, string adminKey, int httpPort, int gatewayPort, string clusterId, string serviceId)
    {
        _arguments = arguments;
        _adminKey = adminKey;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
        ServiceId = serviceId;
        _process = Launch();
    }

    public int HttpPort { get; }

    public int GatewayPort { get; }

    public string ClusterId { get; }

    public string ServiceId { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a silo of a new cluster in <paramref name="postgres"/> with <paramref name="adminKey"/> as its bootstrap
    /// admin key, its artifact store under <paramref name="workDirectory"/> and checkpoint imports allowed from
    /// <paramref name="importRoot"/>.
    /// </summary>
    public static SiloHostProcess Start(string adminKey, string postgres, string workDirectory, string importRoot)
    {
        int[] ports = TestPorts.Free(3);
        string clusterId = $"browser-{Guid.NewGuid():N}";
        string serviceId = $"browser-svc-{Guid.NewGuid():N}";
        string[] arguments =
        [
            TestPaths.SiloHost, "--config", "cluster", "--postgres", postgres, "--name", "browser", "--cluster-id", clusterId, $"--Silo:ServiceId={serviceId}",
            "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-port", ports[2].ToString(),
            "--artifacts", Path.Combine(workDirectory, "artifacts"), $"--Artifacts:ImportRoots:0={importRoot}",
            // No key cache: a key revoked on the keys page is refused at once, not after the cache's seconds.
            "--Auth:KeyCacheSeconds=0",
        ];
        return new SiloHostProcess(arguments, adminKey, ports[2], ports[1], clusterId, serviceId);
    }

    /// <summary>Waits until /health answers 200, that is, the silo is an active member of its cluster.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using HttpResponseMessage response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while it starts.
            }
            // Polling an HTTP endpoint of another process: there is no event to await.
            await Task.Delay(250);
        }
        throw new TimeoutException($"the silo was not healthy within {timeout}:\n{Output}");
    }

    /// <summary>Stops the process (SIGKILL) and starts it again with the same ports, cluster and storage.</summary>
    public async Task RestartAsync(TimeSpan timeout)
    {
        await StopAsync();
        Append("---- restarted by the test ----");
        _process = Launch();
        await WaitHealthyAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    private Process Launch()
    {
        var start = new ProcessStartInfo("dotnet", _arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["ACTORAI_Auth__BootstrapAdminKey"] = _adminKey;
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
