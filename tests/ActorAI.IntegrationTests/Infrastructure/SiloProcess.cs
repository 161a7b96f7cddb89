using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>A silo host started from the built <c>actorai-silo</c>, as a separate OS process.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    public const string AdminKey = "integration-admin-key-0123456789";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string name, int httpPort, int gatewayPort = 0)
    {
        _process = process;
        Name = name;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int HttpPort { get; }

    /// <summary>The Orleans gateway port clients connect to (set by <see cref="StartDev"/>).</summary>
    public int GatewayPort { get; }

    /// <summary>The silo address reported by /health once it is up.</summary>
    public string Address { get; private set; } = "";

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
    /// Starts a silo of the cluster profile against <paramref name="connectionString"/>, with
    /// <paramref name="extraArguments"/> after the usual ones and <paramref name="environment"/> added to its environment.
    /// </summary>
    public static SiloProcess Start(string name, string clusterId, string serviceId, string connectionString,
        IEnumerable<string>? extraArguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        int[] ports = TestPorts.Free(3);
        var start = new ProcessStartInfo("dotnet",
        [
            TestPaths.SiloHost, "--config", "cluster", "--name", name, "--cluster-id", clusterId,
            $"--Silo:ServiceId={serviceId}", "--postgres", connectionString,
            "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-port", ports[2].ToString(),
            "--artifacts", Path.Combine(Path.GetTempPath(), $"actorai-it-{serviceId}"),
            .. extraArguments ?? [],
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ACTORAI_Auth__BootstrapAdminKey"] = AdminKey;
        foreach ((string variable, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }
        return new SiloProcess(Process.Start(start)!, name, ports[2]);
    }

    /// <summary>
    /// Starts a silo of the embedded dev profile (in-memory clustering and storage, no PostgreSQL) on free ports, as
    /// `dotnet actorai-silo.dll` with no configuration file would run; checkpoints under <paramref name="importRoot"/>
    /// can be imported.
    /// </summary>
    public static SiloProcess StartDev(string name, string artifacts, string importRoot)
    {
        int[] ports = TestPorts.Free(3);
        var start = new ProcessStartInfo("dotnet",
        [
            TestPaths.SiloHost, "--name", name,
            "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-port", ports[2].ToString(),
            "--artifacts", artifacts, $"--Artifacts:ImportRoots:0={importRoot}",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ACTORAI_Auth__BootstrapAdminKey"] = AdminKey;
        return new SiloProcess(Process.Start(start)!, name, ports[2], ports[1]);
    }

    /// <summary>Waits until /health answers 200 (the silo is an active member) and records its address.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo {Name} exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using HttpResponseMessage response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    var health = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
                    Address = health!["silo"].ToString()!;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while starting.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"silo {Name} was not healthy within {timeout}:\n{Output}");
    }

    /// <summary>SIGKILL: no graceful shutdown, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
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
