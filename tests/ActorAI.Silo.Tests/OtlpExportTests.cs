using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ActorAI.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorAI.Silo.Tests;

/// <summary>
/// OTLP export against a stand-in collector (an HTTP endpoint that keeps what it is sent): ActorAI's colon-named
/// instruments arrive renamed <c>actorai.*</c>, and request spans arrive as traces of the <c>actorai-silo</c> service.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task MetricsAndTracesReachTheCollector()
    {
        // The SDK reads its intervals from the environment: export every half second instead of every minute.
        Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", "500");
        Environment.SetEnvironmentVariable("OTEL_BSP_SCHEDULE_DELAY", "200");
        int[] ports = TestPorts.Free(4);
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        WebApplicationBuilder collectorBuilder = WebApplication.CreateBuilder();
        collectorBuilder.WebHost.UseUrls($"http://127.0.0.1:{ports[3]}");
        collectorBuilder.Logging.ClearProviders();
        await using WebApplication collector = collectorBuilder.Build();
        collector.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();
        WebApplication silo = SiloHost.Build([
            "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-port", ports[2].ToString(),
            "--artifacts", Path.Combine(Path.GetTempPath(), $"actorai-test-{Guid.NewGuid():N}"),
            "--Auth:BootstrapAdminKey=test-admin-key-0123456789", "--Silo:ClusterId=otlp-test",
            $"--Telemetry:OtlpEndpoint=http://127.0.0.1:{ports[3]}", "--Telemetry:OtlpProtocol=HttpProtobuf",
        ]);
        await silo.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}") };
            string Text(string signal) => string.Concat(received.Where(r => r.Path == $"/v1/{signal}").Select(r => Encoding.UTF8.GetString(r.Body)));
            var clock = Stopwatch.StartNew();
            while (!(Text("metrics").Contains("actorai.cluster_silos", StringComparison.Ordinal) && Text("traces").Contains("actorai-silo", StringComparison.Ordinal)))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the collector received {received.Count} bodies without both signals");
                (await http.GetAsync("/health")).Dispose(); // a request span to export
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }

            Assert.DoesNotContain("actorai:", Text("metrics"), StringComparison.Ordinal);
            Assert.Contains("orleans-", Text("metrics"), StringComparison.Ordinal);
        }
        finally
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
            Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", null);
            Environment.SetEnvironmentVariable("OTEL_BSP_SCHEDULE_DELAY", null);
        }
    }
}
