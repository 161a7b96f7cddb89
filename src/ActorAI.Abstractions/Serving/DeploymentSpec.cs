using System.Globalization;

namespace ActorAI.Abstractions.Serving;

/// <summary>
/// A second model version that receives a share of a deployment's traffic (a canary).
/// </summary>
/// <param name="Version">Version number or alias of the same model.</param>
/// <param name="Percent">Share of requests routed to it, 1–99.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.CanarySpec")]
public sealed record CanarySpec([property: Id(0)] string Version, [property: Id(1)] int Percent);

/// <summary>What a deployment serves and how many replicas it runs.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.DeploymentSpec")]
public sealed record DeploymentSpec
{
    /// <summary>Most replicas a deployment may run.</summary>
    public const int MaxReplicaLimit = 64;
    /// <summary>Largest batch a replica decodes at once.</summary>
    public const int MaxBatchLimit = 256;
    /// <summary>Longest queue a replica keeps before it refuses requests.</summary>
    public const int MaxQueueLimit = 4096;

    /// <summary>Default tokens one engine step runs (decodes and prefill chunks together).</summary>
    public const int DefaultMaxBatchedTokens = 512;
    /// <summary>Most tokens one engine step may run.</summary>
    public const int MaxBatchedTokensLimit = 65_536;
    /// <summary>Default positions per KV-cache block.</summary>
    public const int DefaultBlockSize = 16;
    /// <summary>Most positions per KV-cache block.</summary>
    public const int MaxBlockSizeLimit = 256;
    /// <summary>Largest KV-cache budget a replica may be given, in token positions.</summary>
    public const int MaxKvCacheTokensLimit = 16_777_216;

    /// <summary>Registered model name.</summary>
    [Id(0)] public required string Model { get; init; }

    /// <summary>Version number, alias or <c>latest</c>. An alias is followed: when it moves, replicas roll over. Default <c>latest</c>.</summary>
    [Id(1)] public string Version { get; init; } = "latest";

    /// <summary>Fewest replicas; 0 lets the deployment scale to zero when idle (the next request waits for a load). Default 1.</summary>
    [Id(2)] public int MinReplicas { get; init; } = 1;

    /// <summary>Most replicas the autoscaler may run. Default 1.</summary>
    [Id(3)] public int MaxReplicas { get; init; } = 1;

    /// <summary>Autoscale target: outstanding requests per replica above which a replica is added. Default 8.</summary>
    [Id(4)] public double TargetOutstanding { get; init; } = 8;

    /// <summary>Optional second version taking a share of the traffic.</summary>
    [Id(5)] public CanarySpec? Canary { get; init; }

    /// <summary>Sequences a replica decodes together (continuous batching). Default 32.</summary>
    [Id(6)] public int MaxBatch { get; init; } = 32;

    /// <summary>Requests a replica holds beyond its batch before refusing more (HTTP 429). Default 128.</summary>
    [Id(7)] public int MaxQueue { get; init; } = 128;

    /// <summary>How long a replica above the minimum must be idle before it is removed. Default 60 s.</summary>
    [Id(8)] public TimeSpan ScaleDownDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Tokens one engine step runs, decodes first and prefill chunks after, so a long prompt is prefilled in
    /// chunks while the others keep decoding. Default 512.</summary>
    [Id(9)] public int MaxBatchedTokens { get; init; } = DefaultMaxBatchedTokens;

    /// <summary>Positions per KV-cache block (the paging and prefix-sharing unit). Default 16.</summary>
    [Id(10)] public int BlockSize { get; init; } = DefaultBlockSize;

    /// <summary>A replica's KV-cache budget in token positions; null for max_batch × the model's context. Requests wait
    /// for room; one that could never fit is refused.</summary>
    [Id(11)] public int? KvCacheTokens { get; init; }

    /// <summary>Reuse the KV of identical prompt prefixes (salted per API key). Default on.</summary>
    [Id(12)] public bool PrefixCaching { get; init; } = true;

    /// <summary>Pipeline stages each replica's model is split into (its blocks in contiguous runs, one
    /// <c>ModelShard</c> grain per stage, on different silos); null for automatic: the fewest stages whose memory
    /// fits the silos' free memory (1 when the whole model fits one silo).</summary>
    [Id(13)] public int? Stages { get; init; }

    /// <summary>The most pipeline stages a model may be split into.</summary>
    public const int MaxStages = 16;

    /// <summary>Every problem with this spec; each message names the field and its limit.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model)) errors.Add("model: required");
        if (Stages is int stages && (stages < 1 || stages > MaxStages)) errors.Add($"stages: must be 1..{MaxStages} (was {stages})");
        if (string.IsNullOrWhiteSpace(Version)) errors.Add("version: required (a number, an alias or 'latest')");
        if (MinReplicas is < 0 or > MaxReplicaLimit) errors.Add($"min_replicas: must be 0..{MaxReplicaLimit} (was {MinReplicas})");
        if (MaxReplicas is < 1 or > MaxReplicaLimit) errors.Add($"max_replicas: must be 1..{MaxReplicaLimit} (was {MaxReplicas})");
        if (MaxReplicas < MinReplicas) errors.Add($"max_replicas: must be >= min_replicas ({MaxReplicas} < {MinReplicas})");
        if (!(TargetOutstanding >= 1) || TargetOutstanding > 10_000) errors.Add($"target_outstanding: must be 1..10000 (was {TargetOutstanding.ToString(CultureInfo.InvariantCulture)})");
        if (MaxBatch is < 1 or > MaxBatchLimit) errors.Add($"max_batch: must be 1..{MaxBatchLimit} (was {MaxBatch})");
        if (MaxQueue is < 0 or > MaxQueueLimit) errors.Add($"max_queue: must be 0..{MaxQueueLimit} (was {MaxQueue})");
        if (MaxBatchedTokens < MaxBatch || MaxBatchedTokens > MaxBatchedTokensLimit) errors.Add($"max_batched_tokens: must be max_batch..{MaxBatchedTokensLimit} (was {MaxBatchedTokens}, max_batch {MaxBatch})");
        if (BlockSize is < 1 or > MaxBlockSizeLimit) errors.Add($"block_size: must be 1..{MaxBlockSizeLimit} (was {BlockSize})");
        if (KvCacheTokens is { } kv && (kv < BlockSize || kv > MaxKvCacheTokensLimit)) errors.Add($"kv_cache_tokens: must be block_size..{MaxKvCacheTokensLimit} (was {kv})");
        if (ScaleDownDelay < TimeSpan.FromSeconds(1) || ScaleDownDelay > TimeSpan.FromDays(1)) errors.Add($"scale_down_delay: must be 1 s..1 day (was {ScaleDownDelay})");
        if (Canary is { } canary)
        {
            if (string.IsNullOrWhiteSpace(canary.Version)) errors.Add("canary.version: required");
            if (canary.Percent is < 1 or > 99) errors.Add($"canary.percent: must be 1..99 (was {canary.Percent})");
        }
        return errors;
    }
}

/// <summary>Parses <c>model@version</c> references (<c>fortune@production</c>, <c>fortune@3</c>, <c>fortune</c> = latest).</summary>
public static class ModelReference
{
    /// <summary>Splits a reference into model and version (or alias); the version defaults to <c>latest</c>.</summary>
    /// <exception cref="ArgumentException">The reference is empty or has an empty part.</exception>
    public static (string Model, string Version) Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        int at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return (reference.Trim(), "latest");
        }
        string model = reference[..at].Trim();
        string version = reference[(at + 1)..].Trim();
        if (model.Length == 0 || version.Length == 0)
        {
            throw new ArgumentException($"model reference '{reference}' must look like NAME or NAME@VERSION-OR-ALIAS", nameof(reference));
        }
        return (model, version);
    }
}
