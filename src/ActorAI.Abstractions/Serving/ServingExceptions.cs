namespace ActorAI.Abstractions.Serving;

/// <summary>A generation request is invalid; <see cref="Param"/> names the offending parameter (OpenAI's name).</summary>
[GenerateSerializer, Alias("ActorAI.GenerationRequestException")]
public sealed class GenerationRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GenerationRequestException(string message, string? param, string code = "invalid_value") : base(message)
    {
        Param = param;
        Code = code;
    }

    /// <summary>Creates the exception with no detail.</summary>
    public GenerationRequestException() : base("The generation request is invalid.") => Code = "invalid_value";

    /// <summary>Creates the exception with a cause.</summary>
    public GenerationRequestException(string message, Exception inner) : base(message, inner) => Code = "invalid_value";

    /// <summary>The offending parameter, such as <c>max_tokens</c> or <c>messages</c>.</summary>
    [Id(0)] public string? Param { get; }

    /// <summary>A machine-readable code, such as <c>context_length_exceeded</c>.</summary>
    [Id(1)] public string Code { get; }
}

/// <summary>No deployment of that name exists.</summary>
[GenerateSerializer, Alias("ActorAI.DeploymentNotFoundException")]
public sealed class DeploymentNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="deployment"/>.</summary>
    public DeploymentNotFoundException(string deployment) : base($"deployment '{deployment}' does not exist") => Deployment = deployment;

    /// <summary>Creates the exception with no detail.</summary>
    public DeploymentNotFoundException() : base("The deployment does not exist.") => Deployment = "";

    /// <summary>Creates the exception with a cause.</summary>
    public DeploymentNotFoundException(string message, Exception inner) : base(message, inner) => Deployment = "";

    /// <summary>The deployment asked for.</summary>
    [Id(0)] public string Deployment { get; }
}

/// <summary>A deployment spec or command was refused; <see cref="Errors"/> lists every problem, each naming its field.</summary>
[GenerateSerializer, Alias("ActorAI.DeploymentException")]
public sealed class DeploymentException : Exception
{
    /// <summary>Creates the exception from a list of problems.</summary>
    public DeploymentException(IReadOnlyList<string> errors) : base(string.Join("; ", errors)) => Errors = errors;

    /// <summary>Creates the exception with one problem.</summary>
    public DeploymentException(string message) : base(message) => Errors = [message];

    /// <summary>Creates the exception with no detail.</summary>
    public DeploymentException() : base("The deployment request was refused.") => Errors = [];

    /// <summary>Creates the exception with a cause.</summary>
    public DeploymentException(string message, Exception inner) : base(message, inner) => Errors = [message];

    /// <summary>Every problem.</summary>
    [Id(0)] public IReadOnlyList<string> Errors { get; }
}

/// <summary>Every replica is at its queue limit (HTTP 429); retry after <see cref="RetryAfter"/>.</summary>
[GenerateSerializer, Alias("ActorAI.ServiceOverloadedException")]
public sealed class ServiceOverloadedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceOverloadedException(string message, TimeSpan retryAfter) : base(message) => RetryAfter = retryAfter;

    /// <summary>Creates the exception with no detail.</summary>
    public ServiceOverloadedException() : base("The deployment is overloaded.") => RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Creates the exception with a cause.</summary>
    public ServiceOverloadedException(string message, Exception inner) : base(message, inner) => RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>When a retry is likely to be accepted.</summary>
    [Id(0)] public TimeSpan RetryAfter { get; }
}

/// <summary>
/// A replica cannot take the request — it is draining, stopped or not loaded. Nothing was generated, so the router
/// retries on another replica.
/// </summary>
[GenerateSerializer, Alias("ActorAI.ReplicaUnavailableException")]
public sealed class ReplicaUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ReplicaUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with no detail.</summary>
    public ReplicaUnavailableException() : base("The replica is unavailable.") { }

    /// <summary>Creates the exception with a cause.</summary>
    public ReplicaUnavailableException(string message, Exception inner) : base(message, inner) { }
}
