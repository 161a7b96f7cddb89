namespace ActorAI.Data.Datasets;

/// <summary>
/// A prepared dataset cannot be used: its manifest is missing, malformed or of an unsupported version, or a shard is
/// missing, truncated or differs from the SHA-256 the manifest records. The message names the file and the problem.
/// </summary>
public sealed class DatasetFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DatasetFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public DatasetFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public DatasetFormatException() : base("The prepared dataset is missing or malformed.") { }
}
