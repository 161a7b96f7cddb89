using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Cli.Tests.Serving;

/// <summary>Sample models, deployments and generation chunks.</summary>
internal static class ServingSamples
{
    public static readonly DateTimeOffset Submitted = Training.Samples.Submitted;

    public static ModelLineage Lineage(string? job, string? tokenizer = "byte-bpe-4096", double? loss = 2.5) => new(
        job, "d00d", tokenizer, "{}", new Dictionary<string, string>(),
        loss is { } l ? new Dictionary<string, double> { ["loss"] = l, ["step"] = 100 } : new Dictionary<string, double>());

    public static ModelVersion Version(int version, string artifact, string? job = null, params string[] tags) =>
        new(version, artifact, Lineage(job), tags, Submitted.AddHours(version));

    /// <summary>What a deployment grain that was never applied answers.</summary>
    public static DeploymentInfo Missing(string name) => new(name, null, DeploymentStatus.None, 0, null, [], null, default);

    public static DeploymentInfo Deployment(string name, DeploymentSpec spec, DeploymentStatus status, IReadOnlyList<ReplicaInfo> replicas, int version = 3, string? error = null) =>
        new(name, spec, status, version, spec.Canary is null ? null : version + 1, replicas, error, Submitted);

    public static ReplicaInfo Replica(string deployment, int n, ReplicaState state, int version = 3, string? silo = "silo-a:11111") =>
        new($"{deployment}/{n}", version, state, silo, n);

    public static GenerationChunk Chunk(string text, string? finish = null, int completion = 1) => new(text, finish, 4, completion, "fortune", 3);
}
