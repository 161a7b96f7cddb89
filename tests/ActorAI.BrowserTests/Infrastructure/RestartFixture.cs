using ActorAI.Abstractions.Security;
using ActorAI.Grains.Tests.Training;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>A silo of its own, which the restart test kills and starts again: a finished job, a model registered from it
/// with an alias, and a key.</summary>
public sealed class RestartFixture : SiloBrowserFixture
{
    public const string Model = "restart-trained";
    public const string Alias = "staging";
    public const int Steps = 30;

    public string JobId { get; } = $"restart-job-{Guid.NewGuid():N}"[..26];

    public string KeyId { get; private set; } = "";

    protected override string Name => "restart";

    protected override async Task SeedAsync()
    {
        await Client.PushDatasetAsync(TrainingDataset.Directory, "restart-corpus");
        await Client.SubmitTrainingJobAsync(JobId, DashboardFixture.SmallJob("restart-corpus", Steps));
        KeyId = (await Client.CreateApiKeyAsync("restart-reader", [ApiKeyRoles.Infer])).Info.Id;
        await DashboardFixture.WaitSucceededAsync(Client, JobId);
        await Client.RegisterModelFromJobAsync(Model, JobId);
        await Client.SetModelAliasAsync(Model, Alias, 1);
    }
}

[CollectionDefinition(Name)]
public sealed class RestartCollection : ICollectionFixture<RestartFixture>
{
    public const string Name = "restart";
}
