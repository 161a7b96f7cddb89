namespace ActorAI.Silo.Hosting;

/// <summary>The silo's configuration is missing, unreadable or invalid; the message names the file or key.</summary>
public sealed class SiloConfigurationException : Exception
{
    public SiloConfigurationException(string message) : base(message) { }

    public SiloConfigurationException(string message, Exception inner) : base(message, inner) { }

    public SiloConfigurationException() { }
}
