using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using ActorAI.Grains.Tests.Training;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>
/// The silo most browser tests share, seeded with an <c>infer</c> key, a pushed dataset, a long training job to watch and
/// a finished one, a model with two versions and a <c>production</c> alias, and a deployment that follows the alias.
/// </summary>
public sealed class DashboardFixture : SiloBrowserFixture
{
    public const string ChatModel = "browser-chat";
    public const string TrainedModel = "browser-trained";
    public const string Alias = "production";
    public const string Dataset = "browser-corpus";

    /// <summary>A key with the <c>infer</c> role only.</summary>
    public string InferKey { get; private set; } = "";

    /// <summary>A job with enough steps to run for the whole test run.</summary>
    public string RunningJobId { get; } = $"browser-watch-{Guid.NewGuid():N}"[..28];

    /// <summary>A short job that has succeeded before any test starts.</summary>
    public string FinishedJobId { get; } = $"browser-done-{Guid.NewGuid():N}"[..27];

    /// <summary>The deployment, named like its model, that serves <see cref="ChatModel"/> at <see cref="Alias"/>.</summary>
    public string Deployment => ChatModel;

    /// <summary>The finished job's steps.</summary>
    public const int FinishedSteps = 40;

    protected override string Name => "dashboard";

    protected override async Task SeedAsync()
    {
        InferKey = (await Client.CreateApiKeyAsync("browser-infer", [ApiKeyRoles.Infer])).Key;

        await Client.PushDatasetAsync(TrainingDataset.Directory, Dataset);
        TrainingJobSpec spec = SmallJob(Dataset, FinishedSteps);
        await Client.SubmitTrainingJobAsync(FinishedJobId, spec);
        await Client.SubmitTrainingJobAsync(RunningJobId, spec with { Steps = 1_000_000, CheckpointInterval = 200, Seed = 6 });

        // Random-weight checkpoints with a long context, so the playground's chat prompt fits whatever its template adds.
        await ServingModels.ImportAsync(Client, ChatModel, 31, 32);
        await Client.SetModelAliasAsync(ChatModel, Alias, 1);
        await ServingModels.DeployAsync(Client, Deployment, new DeploymentSpec { Model = ChatModel, Version = Alias });
        // Some traffic, so the overview and the deployment page have figures to show whichever test looks first.
        await Client.GenerateAsync(Deployment, ServingModels.Request("hello from the browser tests", 16));

        await WaitSucceededAsync(Client, FinishedJobId);
        await Client.RegisterModelFromJobAsync(TrainedModel, FinishedJobId);
    }

    /// <summary>
    /// A tiny-model job on one trainer, one shard and one thread, which leaves the shared CPU to the pages and the playground.
    /// </summary>
    internal static TrainingJobSpec SmallJob(string dataset, int steps) => new("tiny", dataset, Steps: steps, GlobalBatchRows: 2,
        Workers: 1, ParameterShards: 1, CheckpointInterval: 20, WarmupSteps: 1, Seed: 5, IntraOpThreads: 1);

    /// <summary>Follows the job to its end and checks that it succeeded.</summary>
    internal static async Task WaitSucceededAsync(ActorAIClient client, string jobId)
    {
        await foreach (TrainingJobProgress progress in client.WatchTrainingJobAsync(jobId))
        {
            if (progress.IsFinal)
            {
                Assert.Equal(TrainingJobStatus.Succeeded, progress.Job.Status);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
