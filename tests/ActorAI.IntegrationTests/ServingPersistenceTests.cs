using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using ActorAI.IntegrationTests.Infrastructure;
using Orleans.TestingHost;

namespace ActorAI.IntegrationTests;

/// <summary>Registry, deployment and API-key state in PostgreSQL is read back after the whole cluster restarts.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ServingPersistenceTests(PostgresFixture postgres)
{
    [Fact]
    public async Task ModelsDeploymentsAndKeysSurviveAWholeClusterRestart()
    {
        string artifacts = PostgresTestCluster.NewArtifactDirectory();
        string serviceId = $"svc-{Guid.NewGuid():N}";
        ApiKeyCreated key;
        await using (TestCluster first = await PostgresTestCluster.StartAsync(postgres, 1, artifacts, serviceId))
        {
            ActorAIClient client = ActorAIClient.Create(first.Client);
            await ServingModels.ImportAsync(client, "kept", 31, 32);
            await client.TagModelVersionAsync("kept", 2, "candidate");
            await client.SetModelAliasAsync("kept", "production", 2);
            key = await client.CreateApiKeyAsync("app", [ApiKeyRoles.Infer], ["kept"]);
            await ServingModels.DeployAsync(client, "kept", new DeploymentSpec { Model = "kept", Version = "production", Canary = new CanarySpec("1", 10) });
        }

        await using TestCluster second = await PostgresTestCluster.StartAsync(postgres, 1, artifacts, serviceId);
        ActorAIClient again = ActorAIClient.Create(second.Client);
        ModelInfo model = (await again.GetModelAsync("kept"))!;
        ApiKeyInfo stored = (await again.GetApiKeyAsync(key.Info.Id))!;
        DeploymentInfo deployment = (await again.GetDeploymentAsync("kept"))!;
        GenerationResult generated = await again.GenerateAsync("kept", ServingModels.Request("after the restart", 4));

        Assert.Equal(["candidate"], model.Versions[1].Tags);
        Assert.Equal(2, model.Aliases["production"]);
        Assert.Equal([ApiKeyRoles.Infer], stored.Roles);
        Assert.Equal(["kept"], stored.Models!);
        Assert.Equal(new CanarySpec("1", 10), deployment.Spec!.Canary);
        Assert.Equal(4, generated.CompletionTokens);
        Assert.Contains(await again.ListModelsAsync(), m => m.Name == "kept");
    }
}
