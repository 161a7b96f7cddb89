using System.Net;
using System.Security.Cryptography.X509Certificates;
using ActorAI.Abstractions.Diagnostics;
using ActorAI.Client;
using ActorAI.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace ActorAI.Silo.Tests;

/// <summary>A dev silo with mutual TLS on its gateway and HTTPS on its front, its certificates from a test CA.</summary>
public sealed class TlsSiloFixture : IAsyncLifetime
{
    private readonly TempDirectory _files = new();
    private WebApplication? _app;

    public TlsSiloFixture()
    {
        Authority = new TestCertificateAuthority(_files.Combine("ca"));
        Silo = Authority.Issue("silo");
        Client = Authority.Issue("client");
    }

    internal TestCertificateAuthority Authority { get; }

    public (string Certificate, string Key) Silo { get; }

    public (string Certificate, string Key) Client { get; }

    internal TempDirectory Files => _files;

    public int GatewayPort { get; private set; }

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        int[] ports = TestPorts.Free(3);
        GatewayPort = ports[1];
        _app = SiloHost.Build([
            "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-port", ports[2].ToString(),
            "--artifacts", _files.Combine("artifacts"), "--Auth:BootstrapAdminKey=tls-admin-key-0123456789",
            "--Tls:Enabled=true", $"--Tls:CertificatePath={Silo.Certificate}", $"--Tls:KeyPath={Silo.Key}", $"--Tls:CaPath={Authority.CaPath}",
            $"--Http:CertificatePath={Silo.Certificate}", $"--Http:KeyPath={Silo.Key}",
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri($"https://127.0.0.1:{ports[2]}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Authority.Dispose();
        _files.Dispose();
    }

    /// <summary>Client options for this silo's gateway, without TLS.</summary>
    public ActorAIClientOptions Options() => new()
    {
        Gateways = [$"127.0.0.1:{GatewayPort}"],
        ConnectTimeout = TimeSpan.FromSeconds(3),
    };
}

[CollectionDefinition(Name)]
public sealed class TlsSiloCollection : ICollectionFixture<TlsSiloFixture>
{
    public const string Name = "tls silo";
}

[Collection(TlsSiloCollection.Name)]
public sealed class TlsSiloTests(TlsSiloFixture silo)
{
    [Fact]
    public async Task AClientWithACertificateFromTheClusterCaCallsAGrain()
    {
        ActorAIClientOptions options = silo.Options();
        options.TlsCertificatePath = silo.Client.Certificate;
        options.TlsKeyPath = silo.Client.Key;
        options.TlsCaPath = silo.Authority.CaPath;

        await using ActorAIClient client = await ActorAIClient.ConnectAsync(options);
        PingReply reply = await client.PingAsync($"tls-{Guid.NewGuid():N}");

        Assert.Equal(1, reply.Count);
    }

    [Fact]
    public async Task APlaintextClientIsRefusedAtTheGateway()
    {
        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => ActorAIClient.ConnectAsync(silo.Options()));

        Assert.Contains("cannot reach the ActorAI cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATlsClientWithoutACertificateIsRefusedAtTheGateway()
    {
        // Orleans' own client with TLS but no certificate of its own; it would accept any gateway certificate.
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, silo.GatewayPort))
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("actorai-dev", "actorai"))
            .UseConnectionRetryFilter((_, _) => Task.FromResult(false))
            .UseTls(o =>
            {
                o.ClientCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.NoCertificate;
                o.AllowAnyRemoteCertificate();
            }));
        using IHost host = builder.Build();

        Exception error = await Record.ExceptionAsync(async () =>
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<IPingGrain>("no-certificate").PingAsync("hello")
                .WaitAsync(TimeSpan.FromSeconds(30));
        });

        Assert.NotNull(error);
        Assert.IsNotType<TimeoutException>(error);
    }

    [Fact]
    public async Task AClientWhoseCertificateComesFromAnotherCaIsRefused()
    {
        using var rogue = new TestCertificateAuthority(silo.Files.Combine($"rogue-{Guid.NewGuid():N}"), "Rogue CA");
        (string certificate, string key) = rogue.Issue("intruder");
        // The intruder trusts both CAs, so its own check of the gateway passes: the refusal is the silo's.
        string bundle = silo.Files.Write($"bundle-{Guid.NewGuid():N}.crt", File.ReadAllText(silo.Authority.CaPath) + File.ReadAllText(rogue.CaPath));
        ActorAIClientOptions options = silo.Options();
        options.TlsCertificatePath = certificate;
        options.TlsKeyPath = key;
        options.TlsCaPath = bundle;

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => ActorAIClient.ConnectAsync(options));

        Assert.Contains("cannot reach the ActorAI cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientTlsSettingsAreCheckedBeforeConnecting()
    {
        using var rogue = new TestCertificateAuthority(silo.Files.Combine($"other-{Guid.NewGuid():N}"), "Other CA");
        ActorAIClientOptions notFromTheCa = silo.Options();
        (notFromTheCa.TlsCertificatePath, notFromTheCa.TlsKeyPath) = rogue.Issue("stranger");
        notFromTheCa.TlsCaPath = silo.Authority.CaPath;
        ActorAIClientOptions onlyACertificate = silo.Options();
        onlyACertificate.TlsCertificatePath = silo.Client.Certificate;

        var wrongCa = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => ActorAIClient.ConnectAsync(notFromTheCa));
        var incomplete = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => ActorAIClient.ConnectAsync(onlyACertificate));

        Assert.Contains("not valid under the CA", wrongCa.Message, StringComparison.Ordinal);
        Assert.Contains("TlsKeyPath is required", incomplete.Message, StringComparison.Ordinal);
        Assert.Contains("TlsCaPath is required", incomplete.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpsServesHealthWithTheConfiguredCertificate()
    {
        using X509Certificate2 expected = X509Certificate2.CreateFromPemFile(silo.Silo.Certificate, silo.Silo.Key);
        string? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate?.Thumbprint;
                using ClusterCertificates trust = ClusterCertificates.Load(silo.Client.Certificate, silo.Client.Key, silo.Authority.CaPath);
                return certificate is not null && trust.IsIssuedByCluster(certificate);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = silo.BaseAddress };

        using HttpResponseMessage response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected.Thumbprint, presented);
    }
}
