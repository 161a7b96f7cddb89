using ActorAI.Abstractions.Serving;

namespace ActorAI.Cli.Serving;

/// <summary>
/// The options of <c>actorai deploy</c> as given (null when absent), turned into a <see cref="DeploymentSpec"/> whose
/// problems name the options rather than the spec's fields.
/// </summary>
internal sealed record DeployArguments(
    string Model,
    int? Replicas = null,
    int? MinReplicas = null,
    int? MaxReplicas = null,
    double? TargetOutstanding = null,
    string? Canary = null,
    int? CanaryPercent = null,
    int? MaxBatch = null,
    int? MaxQueue = null,
    int? MaxBatchedTokens = null,
    int? BlockSize = null,
    int? KvCacheTokens = null,
    bool? PrefixCaching = null,
    int? Stages = null)
{
    /// <summary>The spec, or every problem (each starting with the option it concerns) when there is any.</summary>
    public (DeploymentSpec? Spec, IReadOnlyList<string> Errors) ToSpec()
    {
        var errors = new List<string>();
        (string model, string version) = ("", "");
        try
        {
            (model, version) = ModelReference.Parse(Model);
        }
        catch (ArgumentException)
        {
            errors.Add($"--model: '{Model}' must look like NAME, NAME@VERSION or NAME@ALIAS");
        }
        if (Replicas is not null && (MinReplicas is not null || MaxReplicas is not null))
        {
            errors.Add("--replicas: give either --replicas N or --min-replicas/--max-replicas, not both");
        }
        if (Canary is null && CanaryPercent is not null)
        {
            errors.Add("--canary-percent: needs --canary VERSION");
        }
        if (Canary is not null && CanaryPercent is null)
        {
            errors.Add("--canary-percent: required with --canary (1..99)");
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var defaults = new DeploymentSpec { Model = model };
        int min = Replicas ?? MinReplicas ?? defaults.MinReplicas;
        // Only a minimum given: allow at least that many.
        int max = Replicas ?? MaxReplicas ?? Math.Max(min, defaults.MaxReplicas);
        var spec = defaults with
        {
            Version = version,
            MinReplicas = min,
            MaxReplicas = max,
            TargetOutstanding = TargetOutstanding ?? defaults.TargetOutstanding,
            Canary = Canary is null ? null : new CanarySpec(Canary, CanaryPercent!.Value),
            MaxBatch = MaxBatch ?? defaults.MaxBatch,
            MaxQueue = MaxQueue ?? defaults.MaxQueue,
            MaxBatchedTokens = MaxBatchedTokens ?? defaults.MaxBatchedTokens,
            BlockSize = BlockSize ?? defaults.BlockSize,
            KvCacheTokens = KvCacheTokens ?? defaults.KvCacheTokens,
            PrefixCaching = PrefixCaching ?? defaults.PrefixCaching,
            Stages = Stages,
        };
        // With --replicas N the minimum equals the maximum: the maximum's message alone says what is wrong. The default
        // step budget (512) fails only beside a --max-batch over its own limit, which is reported already.
        errors.AddRange(spec.Validate()
            .Where(e => Replicas is null || !e.StartsWith("min_replicas:", StringComparison.Ordinal))
            .Where(e => MaxBatchedTokens is not null || !e.StartsWith("max_batched_tokens:", StringComparison.Ordinal))
            .Select(NameOption));
        return errors.Count > 0 ? (null, errors) : (spec, errors);
    }

    // "min_replicas: must be 0..64 (was -1)" → "--min-replicas: must be 0..64 (was -1)".
    private string NameOption(string error)
    {
        int colon = error.IndexOf(':', StringComparison.Ordinal);
        string field = colon < 0 ? "" : error[..colon];
        string? option = field switch
        {
            "model" or "version" => "--model",
            "max_replicas" when Replicas is not null => "--replicas",
            "min_replicas" => "--min-replicas",
            "max_replicas" => "--max-replicas",
            "target_outstanding" => "--target-outstanding",
            "max_batch" => "--max-batch",
            "max_queue" => "--max-queue",
            "max_batched_tokens" => "--max-batched-tokens",
            "block_size" => "--block-size",
            "kv_cache_tokens" => "--kv-cache-tokens",
            "stages" => "--stages",
            "canary.version" => "--canary",
            "canary.percent" => "--canary-percent",
            _ => null,
        };
        return option is null ? error : option + error[colon..];
    }
}
