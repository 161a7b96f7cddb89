using System.Diagnostics.Metrics;
using ActorAI.Silo.Hosting;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Configuration;

namespace ActorAI.Silo.Tests;

/// <summary>The <c>Telemetry</c> section and the Prometheus text the exporter writes.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public void DefaultsAreMetricsOnWithoutOtlp()
    {
        SiloSettings settings = Load([]);

        Assert.True(settings.Telemetry.Metrics);
        Assert.Null(settings.Telemetry.OtlpEndpoint);
        Assert.Equal(OtlpProtocol.Grpc, settings.Telemetry.OtlpProtocol);
        Assert.Equal(1.0, settings.Telemetry.TraceSampleRatio);
    }

    [Fact]
    public void OtlpAndSamplingBind()
    {
        SiloSettings settings = Load(["--Telemetry:Metrics=false", "--Telemetry:OtlpEndpoint=http://127.0.0.1:4318",
            "--Telemetry:OtlpProtocol=HttpProtobuf", "--Telemetry:TraceSampleRatio=0.25"]);

        Assert.False(settings.Telemetry.Metrics);
        Assert.Equal("http://127.0.0.1:4318", settings.Telemetry.OtlpEndpoint);
        Assert.Equal(OtlpProtocol.HttpProtobuf, settings.Telemetry.OtlpProtocol);
        Assert.Equal(0.25, settings.Telemetry.TraceSampleRatio);
    }

    [Theory]
    [InlineData("--Telemetry:OtlpEndpoint=127.0.0.1:4317", "Telemetry:OtlpEndpoint")]
    [InlineData("--Telemetry:OtlpEndpoint=ftp://collector", "Telemetry:OtlpEndpoint")]
    [InlineData("--Telemetry:TraceSampleRatio=1.5", "Telemetry:TraceSampleRatio")]
    [InlineData("--Telemetry:TraceSampleRatio=-0.1", "Telemetry:TraceSampleRatio")]
    [InlineData("--Telemetry:OtlpProtocol=Thrift", "Telemetry:OtlpProtocol")]
    [InlineData("--Telemetry:Metrics=sometimes", "Telemetry:Metrics")]
    [InlineData("--Telemetry:Metric=true", "Telemetry:Metric")]
    public void InvalidSettingsNameTheKey(string argument, string key)
    {
        var error = Assert.Throws<SiloConfigurationException>(() => Load([argument]));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorai:time_to_first_token_seconds", null, false, "actorai:time_to_first_token_seconds")]
    [InlineData("actorai:prompt_tokens_total", null, true, "actorai:prompt_tokens_total")]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("orleans-storage-read-latency", "ms", false, "orleans_storage_read_latency_milliseconds")]
    [InlineData("orleans-messaging-sent-messages-size", "By", true, "orleans_messaging_sent_messages_size_bytes_total")]
    [InlineData("kestrel.active_connections", "{connection}", false, "kestrel_active_connections")]
    public void NamesKeepColonsAndGainOpenTelemetrySuffixes(string name, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusMeterExporter.PrometheusName(name, unit, counter));

    [Fact]
    public void TheExporterWritesCumulativeBucketsSumsAndLabels()
    {
        string meterName = $"test.{Guid.NewGuid():N}";
        using var exporter = new PrometheusMeterExporter([meterName]);
        using var meter = new Meter(meterName);
        Histogram<double> latency = meter.CreateHistogram("test:latency_seconds", unit: null, "Latency.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        Counter<long> requests = meter.CreateCounter<long>("test:requests_total", description: "Requests.");
        var tags = new KeyValuePair<string, object?>("deployment", "a\"b");

        latency.Record(0.05, tags);
        latency.Record(0.1, tags);
        latency.Record(5, tags);
        requests.Add(2, tags);
        requests.Add(3, tags);
        string text = exporter.Scrape();

        Assert.Contains("# TYPE test:latency_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("test:latency_seconds_bucket{deployment=\"a\\\"b\",le=\"0.1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("test:latency_seconds_bucket{deployment=\"a\\\"b\",le=\"1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("test:latency_seconds_bucket{deployment=\"a\\\"b\",le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("test:latency_seconds_sum{deployment=\"a\\\"b\"} 5.15\n", text, StringComparison.Ordinal);
        Assert.Contains("test:latency_seconds_count{deployment=\"a\\\"b\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP test:requests_total Requests.\n# TYPE test:requests_total counter\ntest:requests_total{deployment=\"a\\\"b\"} 5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ObservedGaugesShowOnlyWhatExistsNow()
    {
        string meterName = $"test.{Guid.NewGuid():N}";
        using var exporter = new PrometheusMeterExporter([meterName]);
        using var meter = new Meter(meterName);
        var live = new List<string> { "r0", "r1" };
        meter.CreateObservableGauge("test:running", () => live.Select(r => new Measurement<int>(1, new KeyValuePair<string, object?>("replica", r))));

        string before = exporter.Scrape();
        live.Remove("r0");
        string after = exporter.Scrape();

        Assert.Contains("test:running{replica=\"r0\"} 1\n", before, StringComparison.Ordinal);
        Assert.DoesNotContain("replica=\"r0\"", after, StringComparison.Ordinal);
        Assert.Contains("test:running{replica=\"r1\"} 1\n", after, StringComparison.Ordinal);
    }

    private static SiloSettings Load(string[] args)
    {
        var configuration = new ConfigurationManager();
        configuration.AddSiloSources(args);
        return SiloSettings.Load(configuration);
    }
}
