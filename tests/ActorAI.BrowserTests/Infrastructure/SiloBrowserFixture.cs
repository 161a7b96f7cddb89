using ActorAI.Client;
using Microsoft.Playwright;

namespace ActorAI.BrowserTests.Infrastructure;

/// <summary>
/// One real silo process (PostgreSQL-backed) seeded through the client library the way a user would, and one headless
/// Chromium, shared by the tests of a collection. Subclasses seed what their tests look at.
/// </summary>
public abstract class SiloBrowserFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly TempDirectory _work = new();
    private SiloHostProcess? _silo;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ActorAIClient? _client;

    /// <summary>The bootstrap admin key of the silo.</summary>
    public string AdminKey { get; } = $"browser-admin-{Guid.NewGuid():N}";

    public ActorAIClient Client => _client ?? throw NotStarted();

    public IBrowser Browser => _browser ?? throw NotStarted();

    public IPlaywright Playwright => _playwright ?? throw NotStarted();

    public Uri BaseAddress => Silo.BaseAddress;

    internal SiloHostProcess Silo => _silo ?? throw NotStarted();

    /// <summary>Names the silo's log, written next to the screenshots when the collection ends.</summary>
    protected abstract string Name { get; }

    public async Task InitializeAsync()
    {
        // A slow shared machine: the silo builds pages while it trains and serves.
        Assertions.SetDefaultExpectTimeout(30_000);
        Directory.CreateDirectory(TestPaths.Screenshots);
        // Checkpoints to import are written to the temp folder (see ServingModels), the silo's import root.
        _silo = SiloHostProcess.Start(AdminKey, await TestPostgres.ConnectionStringAsync(), _work.Path, importRoot: Path.GetTempPath());
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Task<IBrowser> browser = Chromium.LaunchAsync(_playwright);
        await _silo.WaitHealthyAsync(StartTimeout);
        _client = await ActorAIClient.ConnectAsync(new ActorAIClientOptions
        {
            ClusterId = _silo.ClusterId,
            ServiceId = _silo.ServiceId,
            Gateways = [$"127.0.0.1:{_silo.GatewayPort}"],
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        _browser = await browser;
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_silo is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(TestPaths.Screenshots, $"{Name}-silo.log"), _silo.Output);
            }
            if (_browser is not null)
            {
                await _browser.DisposeAsync();
            }
            _playwright?.Dispose();
            if (_client is not null)
            {
                await _client.DisposeAsync();
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

    /// <summary>Creates what the collection's tests look at, through <see cref="Client"/>.</summary>
    protected abstract Task SeedAsync();

    private static InvalidOperationException NotStarted() => new("the fixture is not initialized");
}
