using System.Net;
using System.Net.Http.Json;
using ActorAI.IntegrationTests.Infrastructure;
using ActorAI.Silo.Hosting;
using Npgsql;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>
/// Two silo processes of one cluster with mutual TLS between them: they form one cluster, and a login cookie made by one
/// is accepted by the other because their Data Protection keys live in PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedKeysTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task ALoginCookieFromOneSiloIsAcceptedByAnotherOverAMutualTlsCluster()
    {
        string clusterId = $"keys-{Guid.NewGuid():N}";
        string serviceId = $"svc-{Guid.NewGuid():N}";
        using var authority = new TestCertificateAuthority(_files.Combine("ca"));
        await using SiloProcess first = Start("first", authority);
        await using SiloProcess second = Start("second", authority);
        try
        {
            await Task.WhenAll(first.WaitHealthyAsync(TimeSpan.FromSeconds(90)), second.WaitHealthyAsync(TimeSpan.FromSeconds(90)));
            // Both silos see each other as active: their silo-to-silo connections passed mutual TLS.
            await WaitForActiveSilosAsync(first, 2);
            await WaitForActiveSilosAsync(second, 2);

            using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
            using HttpResponseMessage login = await noRedirects.PostAsync($"http://127.0.0.1:{first.HttpPort}/login",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = SiloProcess.AdminKey, ["returnUrl"] = "/" }));
            string cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("actorai.auth=", StringComparison.Ordinal)).Split(';')[0];

            using var withCookie = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{second.HttpPort}/api/models");
            withCookie.Headers.Add("Cookie", cookie);
            using HttpResponseMessage onSecond = await noRedirects.SendAsync(withCookie);
            using HttpResponseMessage anonymous = await noRedirects.GetAsync($"http://127.0.0.1:{second.HttpPort}/api/models");

            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal(HttpStatusCode.OK, onSecond.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.True(await KeyCountAsync(PostgresDataProtection.ApplicationName(serviceId)) >= 1);
        }
        finally
        {
            output.WriteLine($"--- first ---\n{first.Output}\n--- second ---\n{second.Output}");
        }

        SiloProcess Start(string name, TestCertificateAuthority ca)
        {
            (string certificate, string key) = ca.Issue(name);
            // A home of its own, so that ASP.NET Core's default key directory (~/.aspnet) cannot be what the silos share.
            string home = _files.Combine("home", name);
            Directory.CreateDirectory(home);
            return SiloProcess.Start(name, clusterId, serviceId, postgres.ConnectionString,
                ["--Tls:Enabled=true", $"--Tls:CertificatePath={certificate}", $"--Tls:KeyPath={key}", $"--Tls:CaPath={ca.CaPath}"],
                new Dictionary<string, string> { ["HOME"] = home });
        }
    }

    private static async Task WaitForActiveSilosAsync(SiloProcess silo, int count)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var health = await http.GetFromJsonAsync<Dictionary<string, object>>($"http://127.0.0.1:{silo.HttpPort}/health");
            if (health!["activeSilos"].ToString() == count.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"silo {silo.Name} did not see {count} active silos: {string.Join(", ", health)}");
            await Task.Delay(250);
        }
    }

    private async Task<long> KeyCountAsync(string application)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {PostgresDataProtection.Table} WHERE application = @a", connection);
        command.Parameters.AddWithValue("a", application);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
