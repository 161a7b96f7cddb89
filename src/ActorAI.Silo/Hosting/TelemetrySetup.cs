using ActorAI.Client;
using ActorAI.Grains.Diagnostics;
using System.Diagnostics.Metrics;
using ActorAI.Silo.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorAI.Silo.Hosting;

/// <summary>
/// Wires the silo's metrics and traces from <see cref="TelemetryOptions"/>: a <see cref="PrometheusMeterExporter"/> over
/// ActorAI's, Orleans' and ASP.NET Core's meters for <c>/metrics</c>; the OpenTelemetry SDK with OTLP exporters for
/// metrics and traces when an endpoint is configured.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>Meters of the frameworks exposed besides ActorAI's: Orleans (activations by grain type, messaging,
    /// storage) and ASP.NET Core's HTTP server metrics (<c>http.server.request.duration</c>).</summary>
    private static readonly string[] FrameworkMeters = ["Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>Trace sources besides ActorAI's: Orleans' grain-call spans (they carry the trace between silos) and
    /// ASP.NET Core's request span (the root of a chat request's trace).</summary>
    private static readonly string[] FrameworkSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.AspNetCore"];

    public static IServiceCollection AddActorAITelemetry(this IServiceCollection services, TelemetryOptions options, string siloName)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Metrics)
        {
            // No instruments at all: the "off" a benchmark compares against, not merely an unscraped endpoint.
            services.Replace(ServiceDescriptor.Singleton(new ServingTelemetry(null)));
            services.Replace(ServiceDescriptor.Singleton(new TrainingTelemetry(null)));
            services.Replace(ServiceDescriptor.Singleton(sp => new ClusterTelemetry(null, sp.GetRequiredService<IClusterMembershipService>())));
        }
        else
        {
            services.AddSingleton(sp => new PrometheusMeterExporter([.. ActorAITelemetry.Meters, .. FrameworkMeters], sp.GetRequiredService<IMeterFactory>()));
        }
        bool otlp = !string.IsNullOrWhiteSpace(options.OtlpEndpoint);
        if (!otlp)
        {
            return services;
        }
        OpenTelemetryBuilder telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("actorai-silo", serviceInstanceId: siloName));
        if (options.Metrics)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter([.. ActorAITelemetry.Meters, .. FrameworkMeters])
                // OpenTelemetry refuses ':' in instrument names; the OTLP stream carries ActorAI's as actorai.<name>.
                .AddView(instrument => instrument.Name.Contains(':', StringComparison.Ordinal)
                    ? new MetricStreamConfiguration { Name = instrument.Name.Replace(':', '.') }
                    : null)
                .AddOtlpExporter(o => Configure(o, options, "v1/metrics")));
        }
        telemetry.WithTracing(tracing => tracing
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
            .AddSource([.. ActorAITelemetry.ActivitySources, ActorAIClientDiagnostics.ActivitySourceName, .. FrameworkSources])
            .AddOtlpExporter(o => Configure(o, options, "v1/traces")));
        return services;
    }

    // gRPC takes the collector's address as is; OTLP/HTTP set in code takes the whole URL of each signal.
    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, string signalPath)
    {
        var endpoint = new Uri(options.OtlpEndpoint!);
        if (options.OtlpProtocol == OtlpProtocol.HttpProtobuf)
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = endpoint;
        }
    }
}
