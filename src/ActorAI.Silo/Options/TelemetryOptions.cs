namespace ActorAI.Silo.Options;

/// <summary>The wire protocol of the OTLP exporter.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (collectors listen on port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (collectors listen on port 4318; paths /v1/metrics, /v1/traces).</summary>
    HttpProtobuf,
}

/// <summary>Metrics and traces of the silo. Section <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Telemetry";

    /// <summary>
    /// Record metrics and serve them at <c>/metrics</c> (Prometheus text; roles admin and metrics). Default true. When
    /// false no instrument of ActorAI's is created and no listener runs; replicas still keep their recent window for
    /// the dashboard.
    /// </summary>
    public bool Metrics { get; set; } = true;

    /// <summary>
    /// An OTLP collector (for example <c>http://127.0.0.1:4317</c>). When set, metrics (unless <see cref="Metrics"/> is
    /// false) and traces are exported to it as well. Default none: no OTLP export and no tracing.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>The protocol <see cref="OtlpEndpoint"/> speaks. Default <see cref="OtlpProtocol.Grpc"/>.</summary>
    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>
    /// Fraction (0..1) of traces recorded, decided where a trace starts and followed by every silo it reaches
    /// (parent-based). Default 1: every trace; lower it on a busy cluster.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1.0;
}
