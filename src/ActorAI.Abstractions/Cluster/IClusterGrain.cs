namespace ActorAI.Abstractions.Cluster;

/// <summary>Answers questions about the cluster as a whole. Stateless; call it with key 0.</summary>
[Alias("ActorAI.IClusterGrain")]
public interface IClusterGrain : IGrainWithIntegerKey
{
    /// <summary>Every silo in the membership table (dead ones included), with advertised resources.</summary>
    [Alias("GetSilos")]
    Task<IReadOnlyList<SiloInfo>> GetSilosAsync();
}
