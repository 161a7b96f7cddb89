namespace ActorAI.Abstractions.Diagnostics;

/// <summary>
/// A persistent diagnostics grain: answers a ping with the silo that hosts it and how many pings its key has
/// ever received. Used by <c>actorai cluster ping</c> to check round trips, placement and persistence.
/// </summary>
[Alias("ActorAI.IPingGrain")]
public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Records a ping and answers with where and how often it was received.</summary>
    [Alias("Ping")]
    Task<PingReply> PingAsync(string message);
}

/// <summary>The answer to a ping.</summary>
/// <param name="Key">The grain key pinged.</param>
/// <param name="Message">The message echoed back.</param>
/// <param name="Silo">The address of the silo that hosts the activation.</param>
/// <param name="Count">How many pings this key has received, this one included (persisted).</param>
/// <param name="FirstPing">When this key was first pinged (persisted).</param>
[GenerateSerializer, Immutable, Alias("ActorAI.PingReply")]
public sealed record PingReply(
    [property: Id(0)] string Key,
    [property: Id(1)] string Message,
    [property: Id(2)] string Silo,
    [property: Id(3)] long Count,
    [property: Id(4)] DateTimeOffset FirstPing);
