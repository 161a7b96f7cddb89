using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Grains.Training;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Placement;

/// <summary>
/// Declares the needs of the grains a job or deployment creates (<see cref="MemoryEstimates"/>) and checks them against
/// the silos first, so the job or deployment refuses with the figures before any grain fails to activate.
/// </summary>
internal static class ComputeNeeds
{
    /// <summary>
    /// Declares the needs of a job's parameter shards and trainers; returns the refusal instead, declaring nothing, when
    /// they could never all fit on the training silos — not even with nothing else running.
    /// </summary>
    public static async Task<PlacementRefusedException?> DeclareTrainingAsync(
        IGrainFactory grains, ISiloMetadataCache metadata, IClusterMembershipService membership,
        string jobId, TrainingJobSpec spec, GptConfig config, int blockSize, int workers)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        long total = config.ParameterCount();
        var members = new List<(MemberNeed Need, GrainId Grain)>();
        // In the order the job creates them: shards when it loads its checkpoint, then trainers at the first step.
        for (int s = 0; s < spec.ParameterShards; s++)
        {
            string key = TrainerGrain.ShardKey(jobId, s);
            long need = MemoryEstimates.ParameterShard(ParameterLayout.ShardRange(total, s, spec.ParameterShards).Length, workers);
            members.Add((new MemberNeed($"parameter shard '{key}'", key, need), grains.GetGrain<IParameterShardGrain>(key).GetGrainId()));
        }
        long trainer = MemoryEstimates.Trainer(config, spec, workers, blockSize);
        for (int rank = 0; rank < workers; rank++)
        {
            string key = TrainerGrain.TrainerKey(jobId, rank);
            members.Add((new MemberNeed($"trainer '{key}'", key, trainer), grains.GetGrain<ITrainerGrain>(key).GetGrainId()));
        }
        IReadOnlyList<SiloMemory> capacity = ClusterMemory.Capacity(metadata, membership, ComputePlacement.TrainRole);
        if (MemoryPlanner.PlaceAll(capacity, members.Select(m => m.Need), ComputePlacement.TrainRole) is { } refusal)
        {
            return refusal;
        }
        await Task.WhenAll(members.Select(m => MemoryNeeds.DeclareAsync(grains, m.Grain, m.Need.NeedBytes)));
        return null;
    }

    /// <summary>
    /// Declares a replica's need (when its version recorded the model's shape) and, unless it may already be running,
    /// checks that a serving silo has that much free now; throws <see cref="PlacementRefusedException"/> when none has.
    /// </summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="metadata">The silos' advertised resources.</param>
    /// <param name="membership">The active silos.</param>
    /// <param name="replicaId">The replica's key.</param>
    /// <param name="lineageConfig">The version's recorded model shape (JSON), if any.</param>
    /// <param name="spec">What the replica loads and how it batches.</param>
    /// <param name="hint">The silo the deployment would like it on, if any.</param>
    /// <param name="mayBeRunning">The replica may hold its memory already (its own reservation would count against it).</param>
    public static async Task DeclareReplicaAsync(
        IGrainFactory grains, ISiloMetadataCache metadata, IClusterMembershipService membership,
        string replicaId, string? lineageConfig, ReplicaSpec spec, SiloAddress? hint, bool mayBeRunning)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (MemoryEstimates.ConfigOf(lineageConfig) is not { } config)
        {
            return; // an import that recorded no shape: the replica is placed as needing nothing
        }
        long need = MemoryEstimates.Replica(config, spec);
        await MemoryNeeds.DeclareAsync(grains, grains.GetGrain<IReplicaGrain>(replicaId).GetGrainId(), need);
        if (mayBeRunning)
        {
            return;
        }
        IReadOnlyList<SiloMemory> silos = await ClusterMemory.SnapshotAsync(grains, metadata, membership, ServingPlacement.ServeRole);
        if (silos.Count > 0 && MemoryPlanner.Choose(silos, need, replicaId, hint) is null)
        {
            throw MemoryPlanner.Refuse($"replica '{replicaId}'", silos, need, ServingPlacement.ServeRole);
        }
    }
}
