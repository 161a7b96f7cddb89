using System.Collections.Concurrent;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>What the failover tests check of serving and training when a silo dies.</summary>
internal static class FailoverProbes
{
    /// <summary>
    /// Streams <paramref name="requests"/> requests of <paramref name="maxTokens"/> tokens from <paramref name="deployment"/>,
    /// runs <paramref name="kill"/> once four of them have streamed a token, and asserts that every request that failed had
    /// already streamed tokens (the router retries the others elsewhere) and that some request completed.
    /// </summary>
    public static async Task StreamThroughASiloLossAsync(
        ActorAIClient client, string deployment, int requests, int maxTokens, Func<Task> kill, ITestOutputHelper output)
    {
        var outcomes = new ConcurrentBag<(int Tokens, Exception? Error)>();
        using var firstTokens = new CountdownEvent(4);
        Task[] streams = [.. Enumerable.Range(0, requests).Select(i => Task.Run(async () =>
        {
            int tokens = 0;
            try
            {
                await foreach (GenerationChunk chunk in client.GenerateStreamingAsync(deployment, ServingModels.Request($"request {i}", maxTokens, seed: i)))
                {
                    if (tokens == 0 && chunk.CompletionTokens > 0 && !firstTokens.IsSet)
                    {
                        firstTokens.Signal();
                    }
                    tokens = chunk.CompletionTokens;
                }
                outcomes.Add((tokens, null));
            }
            catch (Exception ex)
            {
                outcomes.Add((tokens, ex));
            }
        }))];
        firstTokens.Wait(TimeSpan.FromMinutes(1));
        await kill();
        await Task.WhenAll(streams);

        foreach ((int tokens, Exception? error) in outcomes.Where(o => o.Error is not null))
        {
            output.WriteLine($"failed after {tokens} tokens: {error!.GetType().Name}: {error.Message}");
        }
        Assert.Equal(requests, outcomes.Count);
        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.True(o.Tokens > 0, $"a request failed before its first token: {o.Error}"));
        Assert.Contains(outcomes, o => o.Error is null && o.Tokens == maxTokens);
    }

    /// <summary>Steps re-run after a restore: the last step reached before it minus the checkpoint it resumed from.</summary>
    public static long StepsLost(IReadOnlyList<TrainingMetrics> metrics)
    {
        long lost = 0;
        for (int i = 1; i < metrics.Count; i++)
        {
            if (metrics[i].Step <= metrics[i - 1].Step)
            {
                lost = Math.Max(lost, metrics[i - 1].Step - (metrics[i].Step - 1));
            }
        }
        return lost;
    }
}
