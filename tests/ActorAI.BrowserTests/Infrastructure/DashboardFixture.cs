using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using ActorAI.Grains.Tests.Training;
using Microsoft.Playwright;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>
/// What every browser test of the collection shares: one real silo process, seeded through the client library the way a
/// user would (an <c>infer</c> key, a pushed dataset, a long training job to watch and a finished one, a model with two
/// versions and a <c>production</c> alias, a deployment that follows the alias), and one headless Chromium.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ChatModel = "browser-chat";
    public const string TrainedModel = "browser-trained";
    public const string Alias = "production";
    public const string Dataset = "browser-corpus";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly TempDirectory _work = new();
    private SiloHostProcess? _silo;
    private IPlaywright? _playwright;

    /// <summary>The bootstrap admin key of the silo.</summary>
    public string AdminKey { get; } = $"browser-admin-{Guid.NewGuid():N}";

    /// <summary>A key with the <c>infer</c> role only.</summary>
    public string InferKey { get; private set; } = "";

    /// <summary>A job with enough steps to run for the whole test run (cancelled at the end).</summary>
    public string RunningJobId { get; } = $"browser-watch-{Guid.NewGuid():N}"[..28];

    /// <summary>A short job that has succeeded before any test starts.</summary>
    public string FinishedJobId { get; } = $"browser-done-{Guid.NewGuid():N}"[..27];

    /// <summary>The deployment, named like its model, that serves <see cref="ChatModel"/> at <see cref="Alias"/>.</summary>
    public string Deployment => ChatModel;

    internal SiloHostProcess Silo => _silo ?? throw new InvalidOperationException("the fixture is not initialized");

    public ActorAIClient Client { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public IPlaywright Playwright => _playwright ?? throw new InvalidOperationException("the fixture is not initialized");

    public Uri BaseAddress => Silo.BaseAddress;

    public async Task InitializeAsync()
    {
        // A slow shared machine: the silo builds pages while it trains and serves.
        Assertions.SetDefaultExpectTimeout(30_000);
        Directory.CreateDirectory(TestPaths.Screenshots);
        _silo = SiloHostProcess.Start(AdminKey, _work.Path, importRoot: Path.GetTempPath());
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Task<IBrowser> browser = Chromium.LaunchAsync(_playwright);
        await _silo.WaitHealthyAsync(StartTimeout);
        Client = await ActorAIClient.ConnectAsync(new ActorAIClientOptions
        {
            ClusterId = _silo.ClusterId,
            ServiceId = _silo.ServiceId,
            Gateways = [$"127.0.0.1:{_silo.GatewayPort}"],
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        await SeedAsync();
        Browser = await browser;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_silo is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(TestPaths.Screenshots, "silo.log"), _silo.Output);
            }
            if (Browser is not null)
            {
                await Browser.DisposeAsync();
            }
            _playwright?.Dispose();
            if (Client is not null)
            {
                await Client.DisposeAsync();
            }
        }
        finally
        {
            if (_silo is not null)
            {
                await _silo.DisposeAsync();
            }
            _work.Dispose();
        }
    }

    /// <summary>A new browser context (its own cookies) signed in with <paramref name="key"/> at the login page.</summary>
    public async Task<DashboardSession> SignInAsync(string key)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
        });
        var session = new DashboardSession(context, await context.NewPageAsync());
        try
        {
            await session.SignInAsync(key);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client of the silo's API that sends <paramref name="key"/> as its bearer token.</summary>
    public Task<IAPIRequestContext> ApiAsync(string key) => Playwright.APIRequest.NewContextAsync(new APIRequestNewContextOptions
    {
        BaseURL = BaseAddress.ToString(),
        ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
    });

    private async Task SeedAsync()
    {
        InferKey = (await Client.CreateApiKeyAsync("browser-infer", [ApiKeyRoles.Infer])).Key;

        await Client.PushDatasetAsync(TrainingDataset.Directory, Dataset);
        // One trainer, one shard, one thread each: the running job leaves the shared CPU to the pages and the playground.
        var spec = new TrainingJobSpec("tiny", Dataset, Steps: 40, GlobalBatchRows: 2, Workers: 1, ParameterShards: 1,
            CheckpointInterval: 20, WarmupSteps: 1, Seed: 5, IntraOpThreads: 1);
        await Client.SubmitTrainingJobAsync(FinishedJobId, spec);
        await Client.SubmitTrainingJobAsync(RunningJobId, spec with { Steps = 1_000_000, CheckpointInterval = 200, Seed = 6 });

        // Random-weight checkpoints with a long context (the playground's chat prompt fits whatever its template adds),
        // written to the temp folder, which is the silo's import root.
        await ServingModels.ImportAsync(Client, ChatModel, 31, 32);
        await Client.SetModelAliasAsync(ChatModel, Alias, 1);
        await ServingModels.DeployAsync(Client, Deployment, new DeploymentSpec { Model = ChatModel, Version = Alias });

        await foreach (TrainingJobProgress progress in Client.WatchTrainingJobAsync(FinishedJobId))
        {
            if (progress.IsFinal)
            {
                Assert.Equal(TrainingJobStatus.Succeeded, progress.Job.Status);
            }
        }
        await Client.RegisterModelFromJobAsync(TrainedModel, FinishedJobId);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
