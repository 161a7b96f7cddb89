namespace ActorAI.Client;

/// <summary>Names under which the client library reports traces.</summary>
public static class ActorAIClientDiagnostics
{
    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> of the deployment router: one span per routed generation
    /// request (the parent of the replica's spans on whichever silo serves it). Subscribe to it with OpenTelemetry's
    /// <c>AddSource</c>, or an <see cref="System.Diagnostics.ActivityListener"/>.
    /// </summary>
    public const string ActivitySourceName = "ActorAI.Client";
}
