using System.Collections.Concurrent;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;

namespace ActorAI.Grains.Tests.Serving;

[Collection(ClusterCollection.Name)]
public sealed class DeploymentTests(ClusterFixture fixture)
{
    private ActorAIClient Client => ActorAIClient.Create(fixture.Cluster.Client);

    [Fact]
    public async Task AFaultedReplicaIsReplacedAndRequestsAreServedElsewhere()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        ActorAIClient client = Client; // one router for every request of the test
        await ServingModels.ImportAsync(client, model, 3);
        FaultInjectingModelLoader.FailNextLoads(model, 1);
        await ServingModels.DeployAsync(client, name, new DeploymentSpec { Model = model, MinReplicas = 2, MaxReplicas = 2 });
        await ServingModels.WaitUntilAsync(async () => (await client.GetDeploymentAsync(name))!.Replicas.Count(r => r.State == ReplicaState.Ready) == 2);
        string[] original = [.. (await client.GetDeploymentAsync(name))!.Replicas.Select(r => r.Id)];

        // Concurrent requests spread over both replicas until the faulty one has met one and been replaced; every request
        // must succeed, those that met the faulted replica by being retried on the other before their first token.
        int requests = 0;
        bool replaced = false;
        for (int round = 0; round < 20 && !replaced; round++)
        {
            string[] texts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
            {
                GenerationChunk? last = null;
                var text = new System.Text.StringBuilder();
                await foreach (GenerationChunk c in client.GenerateStreamingAsync(name, ServingModels.Request($"prompt {i}", 8, seed: i)))
                {
                    text.Append(c.Text);
                    last = c;
                }
                Assert.Equal("length", last!.FinishReason);
                Assert.Equal(8, last.CompletionTokens);
                return text.ToString();
            }));
            requests += texts.Length;
            DeploymentInfo now = (await client.GetDeploymentAsync(name))!;
            replaced = now.Replicas.Any(r => !original.Contains(r.Id));
        }
        Assert.True(replaced, $"no replica was replaced after {requests} requests");
        await ServingModels.WaitUntilAsync(async () => (await client.GetDeploymentAsync(name))!.Replicas.Count(r => r.State == ReplicaState.Ready) == 2);
        DeploymentInfo info = (await client.GetDeploymentAsync(name))!;

        Assert.Equal(1, original.Count(id => info.Replicas.All(r => r.Id != id))); // exactly the faulted one went
        Assert.DoesNotContain(info.Replicas, r => r.State == ReplicaState.Faulted);
        await foreach (GenerationChunk c in client.GenerateStreamingAsync(name, ServingModels.Request("after", 4)))
        {
            Assert.NotNull(c);
        }
    }

    [Fact]
    public async Task ReplicasSpreadOverSilosAndStreamConcurrentRequests()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 1);

        DeploymentInfo info = await ServingModels.DeployAsync(Client, name, new DeploymentSpec { Model = model, MinReplicas = 2, MaxReplicas = 2 });
        await ServingModels.WaitUntilAsync(async () => (await Client.GetDeploymentAsync(name))!.Replicas.Count(r => r.State == ReplicaState.Ready) == 2);
        info = (await Client.GetDeploymentAsync(name))!;
        var chunkCounts = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            int chunks = 0;
            GenerationChunk? last = null;
            // Long enough to span several stream intervals however fast the engine decodes the tiny model.
            await foreach (GenerationChunk c in Client.GenerateStreamingAsync(name, ServingModels.Request($"prompt {i}", 300, seed: i)))
            {
                chunks++;
                last = c;
            }
            Assert.Equal("length", last!.FinishReason);
            Assert.Equal(300, last.CompletionTokens);
            Assert.Equal($"prompt {i}".Length, last.PromptTokens);
            return chunks;
        }));

        Assert.Equal(2, info.Replicas.Select(r => r.Silo).Distinct().Count());
        Assert.True(chunkCounts.Average() > 2, "tokens stream in several chunks, not one at the end");
        Assert.True(await Client.GetDeploymentAsync(name) is { Status: DeploymentStatus.Ready });
    }

    [Fact]
    public async Task ARequestJoinsTheRunningBatchAndLeavesBeforeALongerOne()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 2);
        await ServingModels.DeployAsync(Client, name, new DeploymentSpec { Model = model, MaxBatch = 4 });

        var order = new ConcurrentQueue<string>();
        var longStarted = new TaskCompletionSource();
        Task longRun = Task.Run(async () =>
        {
            await foreach (GenerationChunk c in Client.GenerateStreamingAsync(name, ServingModels.Request("long", 500)))
            {
                longStarted.TrySetResult();
                if (c.FinishReason is not null) order.Enqueue("long done");
            }
        });
        await longStarted.Task;
        GenerationResult shortRun = await Client.GenerateAsync(name, ServingModels.Request("short", 3));
        order.Enqueue("short done");
        await longRun;

        Assert.Equal(3, shortRun.CompletionTokens);
        Assert.Equal(["short done", "long done"], order);
    }

    [Fact]
    public async Task TheClientCollectsSeededChoicesWithTheirLogprobs()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 3);
        await ServingModels.DeployAsync(Client, name, new DeploymentSpec { Model = model });
        GenerationRequest one = ServingModels.Request("hello", 6, seed: 20);
        GenerationRequest three = one with { Parameters = one.Parameters with { N = 3, Logprobs = 2 } };

        IReadOnlyList<GenerationResult> choices = await Client.GenerateChoicesAsync(name, three);
        GenerationResult second = await Client.GenerateAsync(name, ServingModels.Request("hello", 6, seed: 21));
        var chunks = new List<GenerationChunk>();
        await foreach (GenerationChunk chunk in Client.GenerateStreamingAsync(name, three))
        {
            chunks.Add(chunk);
        }
        var single = await Assert.ThrowsAsync<GenerationRequestException>(() => Client.GenerateAsync(name, three));

        Assert.Equal([0, 1, 2], choices.Select(c => c.Index));
        Assert.All(choices, c =>
        {
            Assert.Equal(6, c.CompletionTokens);
            Assert.Equal(6, c.Logprobs!.Count);
            Assert.All(c.Logprobs, t => Assert.Equal(2, t.TopLogprobs.Count));
        });
        Assert.Equal(second.Text, choices[1].Text); // choice i samples with seed + i
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Index).Distinct().Order());
        Assert.Equal(choices.Select(c => c.Text), [.. Enumerable.Range(0, 3).Select(i => string.Concat(chunks.Where(c => c.Index == i).Select(c => c.Text)))]);
        Assert.Equal("n", single.Param);
    }

    [Fact]
    public async Task SameSeedSameTextAndBadRequestsNameTheParameter()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 3);
        await ServingModels.DeployAsync(Client, name, new DeploymentSpec { Model = model });

        GenerationResult a = await Client.GenerateAsync(name, ServingModels.Request("hello", 20, seed: 7));
        GenerationResult b = await Client.GenerateAsync(name, ServingModels.Request("hello", 20, seed: 7));
        var tooLong = await Assert.ThrowsAsync<GenerationRequestException>(() => Client.GenerateAsync(name, ServingModels.Request(new string('x', ServingModels.ContextLength + 10), 5)));
        var tooMany = await Assert.ThrowsAsync<GenerationRequestException>(() => Client.GenerateAsync(name, ServingModels.Request("hi", 1000)));
        var negative = Assert.Throws<GenerationRequestException>(() => Client.GenerateStreamingAsync(name, ServingModels.Request("hi", -1)));
        await Assert.ThrowsAsync<DeploymentNotFoundException>(() => Client.GenerateAsync($"missing-{Guid.NewGuid():N}", ServingModels.Request("hi", 1)));
        GenerationResult after = await Client.GenerateAsync(name, ServingModels.Request("still serving", 2));

        Assert.Equal(a.Text, b.Text);
        Assert.Equal("context_length_exceeded", tooLong.Code);
        Assert.Equal("max_tokens", tooMany.Param);
        Assert.Equal("max_tokens", negative.Param);
        Assert.Equal(2, after.CompletionTokens);
    }

    [Fact]
    public async Task AliasSwitchUnderLoadFailsNoRequest()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 4, 5);
        await Client.SetModelAliasAsync(model, "production", 1);
        await ServingModels.DeployAsync(Client, name, new DeploymentSpec { Model = model, Version = "production", MinReplicas = 2, MaxReplicas = 2 });

        var versions = new ConcurrentBag<int>();
        var failures = new ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();
        Task[] load = [.. Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    versions.Add((await Client.GenerateAsync(name, ServingModels.Request($"load {i}", 8, seed: i))).Version);
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
            }
        }))];
        await ServingModels.WaitUntilAsync(() => Task.FromResult(versions.Count >= 16));
        await Client.SetModelAliasAsync(model, "production", 2);
        await ServingModels.WaitUntilAsync(async () => (await Client.GetDeploymentAsync(name))!.Replicas.All(r => r.Version == 2 && r.State == ReplicaState.Ready)
            && (await Client.GetDeploymentAsync(name))!.Replicas.Count == 2);
        int served = versions.Count;
        await ServingModels.WaitUntilAsync(() => Task.FromResult(versions.Count >= served + 16));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.Contains(1, versions);
        Assert.Contains(2, versions);
    }

    [Fact]
    public async Task AnIdleDeploymentScalesToZeroAndTheNextRequestWaitsForALoad()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 6);
        await Client.DeployAsync(name, new DeploymentSpec { Model = model, MinReplicas = 0, MaxReplicas = 2, TargetOutstanding = 1, ScaleDownDelay = TimeSpan.FromSeconds(1) });

        GenerationResult first = await Client.GenerateAsync(name, ServingModels.Request("wake up", 4));
        // Sustained load above the target adds the second replica.
        using var stop = new CancellationTokenSource();
        Task[] load = [.. Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Client.GenerateAsync(name, ServingModels.Request($"busy {i}", 60, seed: i));
            }
        }))];
        await ServingModels.WaitUntilAsync(async () => (await Client.GetDeploymentAsync(name))!.Replicas.Count(r => r.State == ReplicaState.Ready) == 2);
        await stop.CancelAsync();
        await Task.WhenAll(load);
        await ServingModels.WaitUntilAsync(async () => (await Client.GetDeploymentAsync(name))! is { Status: DeploymentStatus.Idle, Replicas.Count: 0 });
        GenerationResult again = await Client.GenerateAsync(name, ServingModels.Request("wake up again", 4));

        Assert.Equal(4, first.CompletionTokens);
        Assert.Equal(4, again.CompletionTokens);
    }

    [Fact]
    public async Task ACanaryTakesItsShareAndLeavesWhenRemoved()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 7, 8);
        var spec = new DeploymentSpec { Model = model, Version = "1", Canary = new CanarySpec("2", 30) };
        await ServingModels.DeployAsync(Client, name, spec);
        await ServingModels.WaitUntilAsync(async () => (await Client.GetRoutingTableAsync(name)).CanaryReplicas.Count == 1);

        int[] versions = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i => (await Client.GenerateAsync(name, ServingModels.Request($"c{i}", 2))).Version));
        await Client.DeployAsync(name, spec with { Canary = null });
        await ServingModels.WaitUntilAsync(async () => (await Client.GetDeploymentAsync(name))!.Replicas.All(r => r.Version == 1));
        RoutingTable table = await Client.GetRoutingTableAsync(name);

        int canaryShare = versions.Count(v => v == 2);
        Assert.InRange(canaryShare, 6, 36); // 30% of 60 = 18, with room for chance
        Assert.Equal(60 - canaryShare, versions.Count(v => v == 1));
        Assert.Null(table.CanaryVersion);
        Assert.Empty(table.CanaryReplicas);
    }

    [Fact]
    public async Task AFullQueueRefusesWithRetryAfterInsteadOfGrowing()
    {
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(Client, model, 9);
        await ServingModels.DeployAsync(Client, name, new DeploymentSpec { Model = model, MaxBatch = 1, MaxQueue = 0 });

        await using IAsyncEnumerator<GenerationChunk> busy = Client.GenerateStreamingAsync(name, ServingModels.Request("busy", 500)).GetAsyncEnumerator();
        Assert.True(await busy.MoveNextAsync()); // holds the only slot
        var refused = await Assert.ThrowsAsync<ServiceOverloadedException>(() => Client.GenerateAsync(name, ServingModels.Request("one more", 2)));
        while (await busy.MoveNextAsync())
        {
        }
        GenerationResult after = await Client.GenerateAsync(name, ServingModels.Request("one more", 2));

        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Contains("max_batch 1 + max_queue 0", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, after.CompletionTokens);
    }
}
