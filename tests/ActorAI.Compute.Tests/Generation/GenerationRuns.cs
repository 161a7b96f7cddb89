using ActorAI.Compute.Generation;

namespace ActorAI.Compute.Tests.Generation;

/// <summary>Drives a generator or reads an engine's stream to the end, collecting the tokens produced.</summary>
internal static class GenerationRuns
{
    /// <summary>Steps <paramref name="generator"/> until it has no work; the tokens of each of <paramref name="ids"/>.</summary>
    public static Dictionary<long, List<int>> RunToEnd(BatchedGenerator generator, long[] ids)
    {
        var produced = ids.ToDictionary(id => id, _ => new List<int>());
        while (generator.HasWork)
        {
            foreach (GenerationEvent e in generator.Step())
            {
                if (e.Token >= 0)
                {
                    produced[e.SequenceId].Add(e.Token);
                }
            }
        }
        return produced;
    }

    /// <summary>The tokens a request's stream carries, once it has ended.</summary>
    public static async Task<int[]> ReadTokensAsync(GenerationStream stream)
    {
        var tokens = new List<int>();
        await foreach (GenerationEvent e in stream.Events.ReadAllAsync())
        {
            if (e.Token >= 0)
            {
                tokens.Add(e.Token);
            }
        }
        return [.. tokens];
    }
}
