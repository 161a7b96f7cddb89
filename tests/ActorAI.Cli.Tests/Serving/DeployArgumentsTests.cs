using ActorAI.Abstractions.Serving;
using ActorAI.Cli.Serving;

namespace ActorAI.Cli.Tests.Serving;

/// <summary>Building a <see cref="DeploymentSpec"/> from <c>actorai deploy</c>'s options.</summary>
public sealed class DeployArgumentsTests
{
    [Fact]
    public void ReplicasSetsTheMinimumAndTheMaximum()
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments("fortune@production", Replicas: 3).ToSpec();

        Assert.Empty(errors);
        Assert.NotNull(spec);
        Assert.Equal(("fortune", "production"), (spec.Model, spec.Version));
        Assert.Equal((3, 3), (spec.MinReplicas, spec.MaxReplicas));
    }

    [Fact]
    public void AModelWithoutVersionFollowsLatestWithTheSpecDefaults()
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments("fortune").ToSpec();

        Assert.Empty(errors);
        Assert.Equal(new DeploymentSpec { Model = "fortune" }, spec);
    }

    [Fact]
    public void MinMaxTargetBatchQueueAndCanaryGoIntoTheSpec()
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments(
            "fortune@3", MinReplicas: 0, MaxReplicas: 4, TargetOutstanding: 2.5, Canary: "staging", CanaryPercent: 10, MaxBatch: 8, MaxQueue: 16).ToSpec();

        Assert.Empty(errors);
        Assert.NotNull(spec);
        Assert.Equal("3", spec.Version);
        Assert.Equal((0, 4), (spec.MinReplicas, spec.MaxReplicas));
        Assert.Equal(2.5, spec.TargetOutstanding);
        Assert.Equal(new CanarySpec("staging", 10), spec.Canary);
        Assert.Equal((8, 16), (spec.MaxBatch, spec.MaxQueue));
    }

    [Fact]
    public void EngineSettingsGoIntoTheSpecAndDefaultToItsDefaults()
    {
        (DeploymentSpec? given, IReadOnlyList<string> errors) = new DeployArguments(
            "fortune", MaxBatchedTokens: 2048, BlockSize: 32, KvCacheTokens: 4096, PrefixCaching: false).ToSpec();
        (DeploymentSpec? defaulted, _) = new DeployArguments("fortune").ToSpec();

        Assert.Empty(errors);
        Assert.Equal((2048, 32, (int?)4096, false), (given!.MaxBatchedTokens, given.BlockSize, given.KvCacheTokens, given.PrefixCaching));
        Assert.Equal((DeploymentSpec.DefaultMaxBatchedTokens, DeploymentSpec.DefaultBlockSize, (int?)null, true),
            (defaulted!.MaxBatchedTokens, defaulted.BlockSize, defaulted.KvCacheTokens, defaulted.PrefixCaching));
    }

    [Fact]
    public void BadEngineSettingsAreReportedUnderTheirOptions()
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments(
            "fortune", MaxBatch: 64, MaxBatchedTokens: 32, BlockSize: 300, KvCacheTokens: 100).ToSpec();

        Assert.Null(spec);
        Assert.Equal(
            ["--max-batched-tokens: must be max_batch..65536 (was 32, max_batch 64)", "--block-size: must be 1..256 (was 300)",
             "--kv-cache-tokens: must be block_size..16777216 (was 100)"],
            errors);
    }

    [Fact]
    public void OnlyAMinimumRaisesTheMaximumToIt()
    {
        (DeploymentSpec? spec, _) = new DeployArguments("fortune", MinReplicas: 3).ToSpec();

        Assert.Equal((3, 3), (spec!.MinReplicas, spec.MaxReplicas));
    }

    [Theory]
    [InlineData(0, "--replicas: must be 1..64 (was 0)")]
    [InlineData(65, "--replicas: must be 1..64 (was 65)")]
    public void ABadReplicaCountIsOneErrorNamingReplicas(int replicas, string expected)
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments("fortune", Replicas: replicas).ToSpec();

        Assert.Null(spec);
        Assert.Equal(expected, Assert.Single(errors));
    }

    [Fact]
    public void EveryBadValueIsReportedUnderItsOption()
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments(
            "fortune", MinReplicas: 5, MaxReplicas: 2, TargetOutstanding: 0, Canary: "4", CanaryPercent: 100, MaxBatch: 0, MaxQueue: -1).ToSpec();

        Assert.Null(spec);
        Assert.Equal(
            ["--max-replicas", "--target-outstanding", "--max-batch", "--max-queue", "--canary-percent"],
            errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Theory]
    [InlineData("fortune@", null, null, null, null, "--model: 'fortune@' must look like NAME, NAME@VERSION or NAME@ALIAS")]
    [InlineData("fortune", 2, 1, null, null, "--replicas: give either --replicas N or --min-replicas/--max-replicas, not both")]
    [InlineData("fortune", null, null, "4", null, "--canary-percent: required with --canary (1..99)")]
    [InlineData("fortune", null, null, null, 10, "--canary-percent: needs --canary VERSION")]
    public void InconsistentOptionsAreRefused(string model, int? replicas, int? min, string? canary, int? percent, string expected)
    {
        (DeploymentSpec? spec, IReadOnlyList<string> errors) = new DeployArguments(model, replicas, min, Canary: canary, CanaryPercent: percent).ToSpec();

        Assert.Null(spec);
        Assert.Equal(expected, Assert.Single(errors));
    }
}
