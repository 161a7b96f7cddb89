using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Compute.Pipeline;
using ActorAI.Grains.Serving.Pipeline;
using ActorAI.Grains.Training;
using ActorAI.Grains.Training.Pipeline;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Placement;

/// <summary>
/// Declares the needs of the grains a job or deployment creates (<see cref="MemoryEstimates"/>) and checks them against
/// the silos first, so the job or deployment refuses with the figures before any grain fails to activate.
/// </summary>
internal static class ComputeNeeds
{
    /// <summary>
    /// Declares the needs of a job's parameter shards and trainers (and, pipelined, of every trainer's stage grains);
    /// returns the refusal instead, declaring nothing, when they could never all fit on the training silos — not even
    /// with nothing else running.
    /// </summary>
    public static async Task<PlacementRefusedException?> DeclareTrainingAsync(
        IGrainFactory grains, ISiloMetadataCache metadata, IClusterMembershipService membership,
        string jobId, TrainingJobSpec spec, GptConfig config, int blockSize, int workers)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<(MemberNeed Need, GrainId Grain)> members = TrainingMembers(grains, jobId, spec, config, blockSize, workers, spec.Stages ?? 1);
        IReadOnlyList<SiloMemory> capacity = ClusterMemory.Capacity(metadata, membership, ComputePlacement.TrainRole);
        if (MemoryPlanner.PlaceAll(capacity, members.Select(m => m.Need), ComputePlacement.TrainRole) is { } refusal)
        {
            return refusal;
        }
        await Task.WhenAll(members.Select(m => MemoryNeeds.DeclareAsync(grains, m.Grain, m.Need.NeedBytes)));
        return null;
    }

    /// <summary>
    /// The fewest pipeline stages (1 when the whole model fits) whose shards, trainers and stage grains all fit the
    /// training silos' capacity; null when no split fits (the job then fails naming the figures of the unsplit plan).
    /// </summary>
    public static int? FewestTrainingStages(
        IGrainFactory grains, ISiloMetadataCache metadata, IClusterMembershipService membership,
        string jobId, TrainingJobSpec spec, GptConfig config, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyList<SiloMemory> capacity = ClusterMemory.Capacity(metadata, membership, ComputePlacement.TrainRole);
        int most = Math.Min(config.Layers, TrainingJobSpec.MaxStages);
        for (int stages = 1; stages <= most; stages++)
        {
            var members = TrainingMembers(grains, jobId, spec, config, blockSize, spec.Workers, stages);
            if (MemoryPlanner.PlaceAll(capacity, members.Select(m => m.Need), ComputePlacement.TrainRole) is null)
            {
                return stages;
            }
        }
        return null;
    }

    // In the order the job creates them: shards when it loads its checkpoint, then trainers (and their stages) at the
    // first step. A pipelined trainer only coordinates: its stages hold the model.
    private static List<(MemberNeed Need, GrainId Grain)> TrainingMembers(
        IGrainFactory grains, string jobId, TrainingJobSpec spec, GptConfig config, int blockSize, int workers, int stages)
    {
        long total = config.ParameterCount();
        var members = new List<(MemberNeed Need, GrainId Grain)>();
        for (int s = 0; s < spec.ParameterShards; s++)
        {
            string key = TrainerGrain.ShardKey(jobId, s);
            long need = MemoryEstimates.ParameterShard(ParameterLayout.ShardRange(total, s, spec.ParameterShards).Length, workers);
            members.Add((new MemberNeed($"parameter shard '{key}'", key, need), grains.GetGrain<IParameterShardGrain>(key).GetGrainId()));
        }
        int rows = spec.GlobalBatchRows / Math.Max(1, workers);
        IReadOnlyList<StageRange> ranges = stages > 1 ? PipelinePartition.Split(config, stages) : [];
        int microBatches = stages > 1 ? MicroBatches.Count(stages, rows, spec.MicroBatches) : 1;
        long trainer = stages > 1 ? MemoryEstimates.PipelineTrainer(config, rows, blockSize) : MemoryEstimates.Trainer(config, spec, workers, blockSize);
        for (int rank = 0; rank < workers; rank++)
        {
            string key = TrainerGrain.TrainerKey(jobId, rank);
            members.Add((new MemberNeed($"trainer '{key}'", key, trainer), grains.GetGrain<ITrainerGrain>(key).GetGrainId()));
            foreach (StageRange range in ranges)
            {
                string stage = TrainerStageGrain.Key(jobId, rank, range.Index);
                long need = TrainerStageGrain.MemoryNeed(config, range, microBatches, rows / microBatches, blockSize);
                members.Add((new MemberNeed($"stage {range.Index} of trainer '{key}'", stage, need), grains.GetGrain<ITrainerStageGrain>(stage).GetGrainId()));
            }
        }
        return members;
    }

    /// <summary>
    /// Declares a replica's need (when its version recorded the model's shape) and returns its spec with the stages
    /// resolved: <paramref name="stages"/> when the deployment fixes them, else 1 when the whole model fits a serving
    /// silo's capacity, else the fewest stages whose model shards fit distinct silos. A pipelined replica declares its
    /// own need (the inputs it keeps for replay) and each model shard's (its weights and its share of the KV budget).
    /// Unless the replica may already be running, checks the silos' free memory now and throws
    /// <see cref="PlacementRefusedException"/> when it does not fit.
    /// </summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="metadata">The silos' advertised resources.</param>
    /// <param name="membership">The active silos.</param>
    /// <param name="replicaId">The replica's key.</param>
    /// <param name="lineageConfig">The version's recorded model shape (JSON), if any.</param>
    /// <param name="spec">What the replica loads and how it batches.</param>
    /// <param name="stages">The deployment's stages; null for automatic.</param>
    /// <param name="hint">The silo the deployment would like it on, if any.</param>
    /// <param name="mayBeRunning">The replica may hold its memory already (its own reservation would count against it).</param>
    /// <exception cref="ReplicaUnavailableException">The model has fewer blocks than the stages asked for.</exception>
    public static async Task<ReplicaSpec> DeclareReplicaAsync(
        IGrainFactory grains, ISiloMetadataCache metadata, IClusterMembershipService membership,
        string replicaId, string? lineageConfig, ReplicaSpec spec, int? stages, SiloAddress? hint, bool mayBeRunning)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        if (MemoryEstimates.ConfigOf(lineageConfig) is not { } config)
        {
            return spec with { Stages = stages ?? 1 }; // an import that recorded no shape: placed as needing nothing
        }
        if (stages > config.Layers)
        {
            throw new ReplicaUnavailableException($"stages: the model has {config.Layers} blocks, so at most {config.Layers} stages (was {stages})");
        }
        // By capacity (what the silos offer with nothing placed): the same answer for every replica while the silos stay.
        IReadOnlyList<SiloMemory> capacity = ClusterMemory.Capacity(metadata, membership, ServingPlacement.ServeRole);
        int most = Math.Min(config.Layers, DeploymentSpec.MaxStages);
        int resolved = stages
            ?? (capacity.Count == 0 ? 1 : Enumerable.Range(1, most).FirstOrDefault(s => MemoryPlanner.PlaceAll(capacity, ReplicaMembers(replicaId, config, spec, s), ServingPlacement.ServeRole) is null, 1));
        spec = spec with { Stages = resolved };
        MemberNeed[] members = ReplicaMembers(replicaId, config, spec, resolved);
        await MemoryNeeds.DeclareAsync(grains, grains.GetGrain<IReplicaGrain>(replicaId).GetGrainId(), members[0].NeedBytes);
        await Task.WhenAll(members.Skip(1).Select(m => MemoryNeeds.DeclareAsync(grains, grains.GetGrain<IModelShardGrain>(m.Key).GetGrainId(), m.NeedBytes)));
        if (mayBeRunning)
        {
            return spec;
        }
        IReadOnlyList<SiloMemory> silos = await ClusterMemory.SnapshotAsync(grains, metadata, membership, ServingPlacement.ServeRole);
        if (silos.Count == 0)
        {
            return spec;
        }
        if (resolved == 1)
        {
            return MemoryPlanner.Choose(silos, members[0].NeedBytes, replicaId, hint) is null
                ? throw MemoryPlanner.Refuse(members[0].What, silos, members[0].NeedBytes, ServingPlacement.ServeRole)
                : spec;
        }
        return MemoryPlanner.PlaceAll(silos, members, ServingPlacement.ServeRole) is { } refusal ? throw refusal : spec;
    }

    // What a replica of `stages` stages places, in the order it is placed: the replica (the whole model, or the inputs a
    // pipeline's coordinator keeps for replay), then each model shard (its weights and its share of the KV budget).
    private static MemberNeed[] ReplicaMembers(string replicaId, GptConfig config, ReplicaSpec spec, int stages)
    {
        long positions = PipelinePlanner.EngineOptions(spec).KvCachePositions(config.ContextLength);
        if (stages == 1)
        {
            return [new MemberNeed($"replica '{replicaId}'", replicaId, MemoryEstimates.Replica(config, spec))];
        }
        return [
            new MemberNeed($"replica '{replicaId}' (the coordinator of {stages} stages)", replicaId, MemoryEstimates.PipelineCoordinator(config, positions, stages)),
            .. PipelinePartition.Split(config, stages, positions).Select(r => new MemberNeed(
                $"stage {r.Index} of {stages} of replica '{replicaId}'", GrainStageTransport.ShardKey(replicaId, r.Index), PipelinePlanner.ServingStageBytes(config, r, positions))),
        ];
    }
}
