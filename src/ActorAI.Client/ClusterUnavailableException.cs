namespace ActorAI.Client;

/// <summary>The client could not connect to the ActorAI cluster, or lost it.</summary>
public sealed class ClusterUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public ClusterUnavailableException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public ClusterUnavailableException() : base("The ActorAI cluster is unavailable.") { }
}
