namespace ActorAI.Data.SafeTensors;

/// <summary>A safetensors file is truncated or malformed; the message names the file and the problem.</summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public SafeTensorsFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public SafeTensorsFormatException() : base("Malformed safetensors file.") { }
}
