namespace ActorAI.Abstractions;

/// <summary>Names of the Orleans providers ActorAI registers; every grain and host refers to these.</summary>
public static class ProviderNames
{
    /// <summary>The grain storage provider that holds ActorAI grain state (memory or PostgreSQL).</summary>
    public const string GrainStorage = "actorai";
}
