using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Http.Admin;

// Bodies and views of the admin API under /api, in snake_case. Registry and job records are returned as they are;
// deployments get a view whose spec has the same shape as the PUT body.

internal static class AdminJson
{
    /// <summary>
    /// The admin API's one strict contract (shared by the CLI and the dashboard's forms): a field a body type does not
    /// declare, at any depth, is refused with a 400 naming it, so that a misspelt <c>replicas</c> is not silently
    /// ignored while a default takes its place.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

/// <summary><c>POST /api/models/{name}/versions</c>: exactly one of <c>job_id</c> and <c>checkpoint_path</c>.</summary>
internal sealed class RegisterVersionBody
{
    public string? JobId { get; init; }
    public string? CheckpointPath { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
}

internal sealed class SetAliasBody
{
    public int? Version { get; init; }
}

internal sealed class TagBody
{
    public string? Tag { get; init; }
}

/// <summary>A deployment spec on the wire; absent fields take <see cref="DeploymentSpec"/>'s defaults.</summary>
internal sealed class DeploymentSpecBody
{
    public string? Model { get; init; }
    /// <summary>A number, an alias or <c>latest</c>: a JSON string or number.</summary>
    public JsonElement Version { get; init; }
    public int? MinReplicas { get; init; }
    public int? MaxReplicas { get; init; }
    public double? TargetOutstanding { get; init; }
    public CanaryBody? Canary { get; init; }
    public int? MaxBatch { get; init; }
    public int? MaxQueue { get; init; }
    public double? ScaleDownDelaySeconds { get; init; }
    public int? MaxBatchedTokens { get; init; }
    public int? BlockSize { get; init; }
    /// <summary>Null (absent) for max_batch × the model's context.</summary>
    public int? KvCacheTokens { get; init; }
    public bool? PrefixCaching { get; init; }
    /// <summary>Null (absent) for automatic: the fewest stages whose memory fits the silos.</summary>
    public int? Stages { get; init; }

    /// <summary>The spec (still to be validated).</summary>
    /// <exception cref="DeploymentException">A version is neither a string nor an integer, or the delay is not a finite duration.</exception>
    public DeploymentSpec ToSpec()
    {
        var defaults = new DeploymentSpec { Model = "" };
        return new DeploymentSpec
        {
            Model = Model ?? "",
            Version = VersionText(Version, "version") ?? defaults.Version,
            MinReplicas = MinReplicas ?? defaults.MinReplicas,
            MaxReplicas = MaxReplicas ?? defaults.MaxReplicas,
            TargetOutstanding = TargetOutstanding ?? defaults.TargetOutstanding,
            Canary = Canary is null ? null : new CanarySpec(VersionText(Canary.Version, "canary.version") ?? "", Canary.Percent ?? 0),
            MaxBatch = MaxBatch ?? defaults.MaxBatch,
            MaxQueue = MaxQueue ?? defaults.MaxQueue,
            ScaleDownDelay = ScaleDownDelaySeconds is { } seconds ? Seconds(seconds) : defaults.ScaleDownDelay,
            MaxBatchedTokens = MaxBatchedTokens ?? defaults.MaxBatchedTokens,
            BlockSize = BlockSize ?? defaults.BlockSize,
            KvCacheTokens = KvCacheTokens ?? defaults.KvCacheTokens,
            PrefixCaching = PrefixCaching ?? defaults.PrefixCaching,
            Stages = Stages,
        };
    }

    public static DeploymentSpecBody From(DeploymentSpec spec) => new()
    {
        Model = spec.Model,
        Version = JsonSerializer.SerializeToElement(spec.Version),
        MinReplicas = spec.MinReplicas,
        MaxReplicas = spec.MaxReplicas,
        TargetOutstanding = spec.TargetOutstanding,
        Canary = spec.Canary is null ? null : new CanaryBody { Version = JsonSerializer.SerializeToElement(spec.Canary.Version), Percent = spec.Canary.Percent },
        MaxBatch = spec.MaxBatch,
        MaxQueue = spec.MaxQueue,
        ScaleDownDelaySeconds = spec.ScaleDownDelay.TotalSeconds,
        MaxBatchedTokens = spec.MaxBatchedTokens,
        BlockSize = spec.BlockSize,
        KvCacheTokens = spec.KvCacheTokens,
        PrefixCaching = spec.PrefixCaching,
        Stages = spec.Stages,
    };

    // Out-of-range but finite delays are left to DeploymentSpec.Validate, which names the limit.
    private static TimeSpan Seconds(double seconds) => double.IsFinite(seconds) && Math.Abs(seconds) <= TimeSpan.FromDays(3650).TotalSeconds
        ? TimeSpan.FromSeconds(seconds)
        : throw new DeploymentException($"scale_down_delay_seconds: must be a number of seconds (was {seconds.ToString(CultureInfo.InvariantCulture)})");

    private static string? VersionText(JsonElement version, string field) => version.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.String => version.GetString(),
        JsonValueKind.Number when version.TryGetInt32(out int number) => number.ToString(CultureInfo.InvariantCulture),
        _ => throw new DeploymentException($"{field}: must be a version number, an alias or 'latest'"),
    };
}

internal sealed class CanaryBody
{
    public JsonElement Version { get; init; }
    public int? Percent { get; init; }
}

internal sealed record DeploymentView(
    string Name,
    DeploymentStatus Status,
    int Version,
    int? CanaryVersion,
    IReadOnlyList<ReplicaInfo> Replicas,
    string? LastError,
    DateTimeOffset UpdatedAt,
    DeploymentSpecBody Spec)
{
    public static DeploymentView From(DeploymentInfo info) =>
        new(info.Name, info.Status, info.Version, info.CanaryVersion, info.Replicas, info.LastError, info.UpdatedAt, DeploymentSpecBody.From(info.Spec!));
}
