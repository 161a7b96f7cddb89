using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Pipeline;
using ActorAI.Compute.Models;
using ActorAI.Data.Tokenizers;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Diagnostics;
using ActorAI.Grains.Placement;
using ActorAI.Grains.Serving.Pipeline;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace ActorAI.Grains.Serving;

/// <summary>Persistent state of a replica: what to load, so a reactivation on another silo serves the same weights.</summary>
[GenerateSerializer, Alias("ActorAI.ReplicaGrainState")]
public sealed record ReplicaGrainState
{
    [Id(0)] public ReplicaSpec? Spec { get; init; }
}

/// <summary>
/// One inference replica. Reentrant: many requests stream at once, each reading its own channel from the
/// <see cref="GenerationEngine"/>, whose decode thread batches them.
/// </summary>
[ServingPlacement, Reentrant]
internal sealed partial class ReplicaGrain(
    [PersistentState("replica", ProviderNames.GrainStorage)] IPersistentState<ReplicaGrainState> state,
    IArtifactStore artifacts,
    TokenizerResolver tokenizers,
    ServingModelLoader loader,
    TimeProvider clock,
    ILocalSiloDetails silo,
    ServingTelemetry telemetry,
    ILogger<ReplicaGrain> logger) : Grain, IReplicaGrain
{
    // Longest a streamed token waits to be sent with the ones after it (first tokens go out at once).
    private static readonly TimeSpan StreamInterval = TimeSpan.FromMilliseconds(20);

    private Task? _loading;
    private Loaded? _loaded;
    private bool _failed;
    private bool _draining;
    private int _inFlight;
    private TaskCompletionSource? _idle;
    private DateTimeOffset _lastRequestAt;
    private readonly ServingWindow _window = new(clock);

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastRequestAt = clock.GetUtcNow();
        if (state.State.Spec is not null)
        {
            // Reactivated (its silo died, or it was collected): load again at once rather than on the first request.
            _loading = LoadAsync(state.State.Spec);
        }
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _loaded?.Dispose();
        _loaded = null;
        return Task.CompletedTask;
    }

    public async Task<ReplicaLoad> StartAsync(ReplicaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec != spec)
        {
            if (_loaded is not null || _loading is not null)
            {
                throw new ReplicaUnavailableException($"replica '{Id}' already serves {state.State.Spec?.Model} v{state.State.Spec?.Version}");
            }
            state.State = state.State with { Spec = spec };
            await state.WriteStateAsync();
        }
        _draining = false;
        await EnsureLoadedAsync();
        return Load();
    }

    public async IAsyncEnumerable<GenerationChunk> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Parameters.Validate();
        if (_draining || state.State.Spec is null)
        {
            throw new ReplicaUnavailableException($"replica '{Id}' is {(_draining ? "draining" : "not started")}");
        }
        _inFlight++;
        _lastRequestAt = clock.GetUtcNow();
        // Parent: the router's span, carried across silos by Orleans' activity propagation.
        using Activity? span = ActorAITelemetry.Serving.StartActivity("replica generate");
        span?.SetTag("actorai.replica", Id);
        try
        {
            await EnsureLoadedOrCountAsync();
            Loaded loaded = _loaded!;
            ReplicaSpec spec = loaded.Spec;
            EncodedPrompt encoded = PromptEncoder.Encode(loaded.Tokenizer, request);
            int[] prompt = encoded.Tokens;
            SamplingOptions options = Sampling(request.Parameters, prompt.Length, loaded.Engine.ContextLength) with { StopTokens = encoded.StopTokens };
            int n = request.Parameters.N;
            using Activity? engineSpan = ActorAITelemetry.Serving.StartActivity("engine generate");
            engineSpan?.SetTag("actorai.prompt_tokens", prompt.Length);
            engineSpan?.SetTag("actorai.choices", n);
            IReadOnlyList<GenerationStream> streams = Submit(loaded, prompt, options, n, request.CacheSalt)
                ?? throw Overloaded(
                    $"replica '{Id}' has {loaded.Engine.Outstanding} requests outstanding (max_batch {spec.MaxBatch} + max_queue {spec.MaxQueue})"
                    + (n > 1 ? $" and cannot take {n} choices" : ""),
                    TimeSpan.FromSeconds(1));
            ReplicaChoice[] choices = [.. streams.Select((stream, i) => new ReplicaChoice(i, stream))];
            try
            {
                Task allEnded = Task.WhenAll(streams.Select(s => s.Ended));
                bool first = true;
                while (choices.Any(c => !c.Done))
                {
                    // After the first token, the reader wakes once per StreamInterval (or when the request ends) and sends
                    // what was produced meanwhile: waking per token would spend the cores the decode loop needs.
                    if (!first)
                    {
                        await Task.WhenAny(Task.Delay(StreamInterval, clock, cancellationToken), allEnded);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                    await WaitToReadAsync(loaded, [.. choices.Where(c => !c.Done)], cancellationToken);
                    first = false;
                    // Everything each choice produced since the last read goes out as one chunk per choice.
                    foreach (ReplicaChoice choice in choices.Where(c => !c.Done))
                    {
                        if (choice.Drain(spec, prompt.Length, loaded.Tokenizer, () => Counted(new ReplicaUnavailableException($"replica '{Id}' stopped while generating")))
                            is not { } chunk)
                        {
                            continue;
                        }
                        if (chunk.FinishReason is { } finish && n == 1)
                        {
                            engineSpan?.SetTag("actorai.finish_reason", finish);
                        }
                        yield return chunk;
                    }
                }
                engineSpan?.SetTag("actorai.completion_tokens", choices.Sum(c => c.Generated));
            }
            finally
            {
                foreach (GenerationStream stream in streams)
                {
                    stream.Dispose();
                }
            }
        }
        finally
        {
            if (--_inFlight == 0)
            {
                _idle?.TrySetResult();
            }
        }
    }

    public Task<ReplicaLoad> GetLoadAsync() => Task.FromResult(Load());

    public Task<ServingStats> GetStatsAsync()
    {
        ReplicaLoad load = Load();
        return Task.FromResult(_window.Snapshot(load.Active, load.Queued));
    }

    private ServiceOverloadedException Overloaded(string message, TimeSpan retryAfter) => Counted(new ServiceOverloadedException(message, retryAfter));

    // A request that ends in a replica-side error counts in the stats window (requests refused as invalid do not).
    private T Counted<T>(T error) where T : Exception
    {
        _window.RecordError();
        Activity.Current?.SetStatus(ActivityStatusCode.Error, error.Message);
        return error;
    }

    private async Task EnsureLoadedOrCountAsync()
    {
        try
        {
            await EnsureLoadedAsync();
        }
        catch (ReplicaUnavailableException ex)
        {
            throw Counted(ex);
        }
    }

    // A failed decode loop is this replica's failure, not the request's: the router retries elsewhere (when nothing was
    // sent yet) and the deployment, seeing Faulted, replaces the replica.
    private IReadOnlyList<GenerationStream>? Submit(Loaded loaded, int[] prompt, SamplingOptions options, int n, string? cacheSalt)
    {
        try
        {
            return loaded.Engine.TrySubmitMany(prompt, options, n, cacheSalt);
        }
        catch (KvCacheBudgetException ex)
        {
            // Could never fit, however long it waited: the caller's request is wrong for this deployment (400).
            throw ReplicaLogprobs.BudgetExceeded(ex, prompt.Length, options.MaxTokens);
        }
        catch (InvalidOperationException ex) when (loaded.Engine.Fault is not null)
        {
            throw Counted(Faulted(loaded, ex));
        }
    }

    // Returns once any of the choices has events to read or has ended.
    private async ValueTask WaitToReadAsync(Loaded loaded, ReplicaChoice[] pending, CancellationToken cancellationToken)
    {
        try
        {
            if (pending.Length == 1)
            {
                await pending[0].Stream.Events.WaitToReadAsync(cancellationToken);
            }
            else
            {
                Task<bool>[] waits = [.. pending.Select(c => c.Stream.Events.WaitToReadAsync(cancellationToken).AsTask())];
                await await Task.WhenAny(waits);
            }
        }
        catch (Exception ex) when (loaded.Engine.Fault is not null && ex is not OperationCanceledException)
        {
            throw Counted(Faulted(loaded, ex));
        }
    }

    private ReplicaUnavailableException Faulted(Loaded loaded, Exception error)
    {
        LogFaulted(logger, loaded.Engine.Fault ?? error, Id);
        return new ReplicaUnavailableException($"replica '{Id}' failed: {loaded.Engine.Fault?.Message ?? error.Message}");
    }

    public async Task DrainAsync()
    {
        _draining = true;
        if (_inFlight > 0)
        {
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _idle.Task;
        }
        LogDrained(logger, Id);
        if (_loaded?.Stages is { } stages)
        {
            await stages.ReleaseAsync(); // the stages' weights and caches go with the replica
        }
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    private async Task EnsureLoadedAsync()
    {
        ReplicaSpec spec = state.State.Spec ?? throw new ReplicaUnavailableException($"replica '{Id}' is not started");
        _loading ??= LoadAsync(spec);
        try
        {
            await _loading;
        }
        catch (Exception ex) when (ex is not ReplicaUnavailableException)
        {
            _loading = null; // the next call tries again
            throw new ReplicaUnavailableException($"replica '{Id}' cannot load {spec.Model} v{spec.Version}: {ex.Message}");
        }
    }

    private async Task LoadAsync(ReplicaSpec spec)
    {
        _failed = false;
        try
        {
            string path = await artifacts.OpenVerifiedAsync(spec.Artifact);
            ITextTokenizer tokenizer = await tokenizers.ForReplicaAsync(spec); // a bpe: tokenizer comes from the version's artifacts
            GenerationEngineOptions options = PipelinePlanner.EngineOptions(spec);
            _loaded = spec.Stages > 1
                ? await LoadPipelineAsync(spec, path, tokenizer, options)
                : await Task.Run(() =>
                {
                    Gpt model = loader.Load(spec, path);
                    ReplicaMetrics metrics = telemetry.ForReplica(spec, Id, _window);
                    var engine = new GenerationEngine(model, tokenizer, options, $"replica {Id}", metrics);
                    metrics.Attach(engine);
                    return new Loaded(spec, model, tokenizer, engine, metrics, null);
                });
            LogLoaded(logger, Id, spec.Model, spec.Version, spec.Artifact);
        }
        catch (Exception ex)
        {
            _failed = true;
            LogLoadFailed(logger, ex, Id, spec.Model, spec.Version);
            throw;
        }
    }

    // The replica coordinates a pipeline: its stages (model shards on other silos) hold the weights and their blocks' KV;
    // it holds the block tables, the batch and the inputs it replays to a stage that lost its cache.
    private async Task<Loaded> LoadPipelineAsync(ReplicaSpec spec, string path, ITextTokenizer tokenizer, GenerationEngineOptions options)
    {
        GptConfig config = GptCheckpoint.ReadConfig(path);
        int blocks = options.KvCacheBlocks(config.ContextLength);
        // Split as placement sized it: by weights and by the KV of the budget's positions.
        IReadOnlyList<StageRange> ranges = PipelinePartition.Split(config, spec.Stages, options.KvCachePositions(config.ContextLength));
        ModelShardSpec[] stages = [.. ranges.Select(r => new ModelShardSpec(spec.Artifact, r.Index, r.Count, spec.BlockSize, blocks, r.FirstLayer, r.EndLayer))];
        var transport = new GrainStageTransport(GrainFactory, Id, stages, logger, clock);
        await transport.StartAsync();
        return await Task.Run(() =>
        {
            var model = new PipelineModel(config, spec.Stages, transport, minMicroBatchTokens: PipelineModel.DefaultMinMicroBatchTokens);
            ReplicaMetrics metrics = telemetry.ForReplica(spec, Id, _window);
            var engine = new GenerationEngine(model, tokenizer, options, $"replica {Id}", metrics);
            metrics.Attach(engine);
            return new Loaded(spec, model, tokenizer, engine, metrics, transport);
        });
    }

    private ReplicaLoad Load()
    {
        int outstanding = _loaded?.Engine.Outstanding ?? 0;
        int active = _loaded?.Engine.Active ?? 0;
        ReplicaState s = _draining ? ReplicaState.Draining
            : _loaded?.Engine.Fault is not null ? ReplicaState.Faulted
            : _loaded is not null ? ReplicaState.Ready
            : _failed ? ReplicaState.Failed
            : ReplicaState.Loading;
        return new ReplicaLoad(s, active, Math.Max(0, outstanding - active), silo.SiloAddress.ToParsableString(),
            _loaded?.Engine.Served ?? 0, _lastRequestAt, _loaded?.Engine.ContextLength ?? 0, _loaded?.Stages?.Silos, _loaded?.Stages?.Bytes ?? 0);
    }

    // max_tokens: as asked (must fit the context), else as much as the context leaves up to the default.
    private static SamplingOptions Sampling(GenerationParameters p, int promptTokens, int context)
    {
        if (promptTokens >= context)
        {
            throw new GenerationRequestException(
                $"This model's maximum context length is {context} tokens, but the prompt has {promptTokens} tokens, leaving none to generate.",
                "messages", "context_length_exceeded");
        }
        int room = context - promptTokens;
        if (p.MaxTokens is int asked && asked > room)
        {
            throw new GenerationRequestException(
                $"max_tokens is too large: {asked}. This model's maximum context length is {context} tokens and the prompt has {promptTokens}, so max_tokens can be at most {room}.",
                "max_tokens", "context_length_exceeded");
        }
        int maxTokens = p.MaxTokens ?? Math.Min(GenerationParameters.DefaultMaxTokens, room);
        return new SamplingOptions(maxTokens, p.Temperature, 0, p.TopP, p.Seed, p.Stop, p.IgnoreEos, p.Logprobs);
    }

    private sealed record Loaded(
        ReplicaSpec Spec, IGenerationModel Model, ITextTokenizer Tokenizer, GenerationEngine Engine, ReplicaMetrics Metrics, GrainStageTransport? Stages) : IDisposable
    {
        public void Dispose()
        {
            Metrics.Dispose();
            Engine.Dispose();
            (Model as IDisposable)?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Replica} loaded {Model} v{Version} ({Artifact})")]
    private static partial void LogLoaded(ILogger logger, string replica, string model, int version, string artifact);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica} failed to load {Model} v{Version}")]
    private static partial void LogLoadFailed(ILogger logger, Exception ex, string replica, string model, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replica {Replica}: the decode loop failed; the replica refuses requests until its deployment replaces it")]
    private static partial void LogFaulted(ILogger logger, Exception ex, string replica);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Replica} drained")]
    private static partial void LogDrained(ILogger logger, string replica);
}
