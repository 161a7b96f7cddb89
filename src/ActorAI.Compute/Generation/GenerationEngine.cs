using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ActorAI.Compute.Models;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Compute.Generation;

/// <summary>
/// Continuous batching: one dedicated thread owns a <see cref="BatchedGenerator"/> and steps it while any sequence is
/// active or waiting. Requests join at the next step and leave when they finish; each request reads its own channel
/// of <see cref="GenerationEvent"/>s. Admission is bounded (<c>maxBatch + maxQueue</c> outstanding requests) so a
/// burst gets refused rather than held in unbounded memory.
/// </summary>
public sealed class GenerationEngine : IDisposable
{
    private readonly BatchedGenerator _generator;
    private readonly int _capacity;
    private readonly ConcurrentQueue<Admission> _incoming = new();
    private readonly ConcurrentQueue<long> _cancellations = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<long, Request> _running = []; // by handle
    private readonly Dictionary<long, long> _handles = []; // sequence id → handle
    private readonly Thread _thread;
    private readonly IGenerationObserver? _observer;
    private double _cacheUsage;
    private long _kvCacheBytes;
    private volatile bool _stopping;
    private int _outstanding;
    private int _active;
    private long _served;
    private long _nextHandle;
    private long _prefixQueries;
    private long _prefixHits;

    /// <summary>Starts the decode thread for <paramref name="model"/> with default scheduling apart from the batch and queue.</summary>
    /// <param name="model">The model (in eval mode from here on); the engine does not own it.</param>
    /// <param name="tokenizer">Decodes tokens to text.</param>
    /// <param name="maxBatch">Sequences decoded together.</param>
    /// <param name="maxQueue">Requests accepted beyond the batch, waiting for a slot.</param>
    /// <param name="name">Thread name (for diagnostics).</param>
    /// <param name="observer">Hears each request's queue time, first token, inter-token gaps and end; none by default.</param>
    public GenerationEngine(Gpt model, ITextTokenizer tokenizer, int maxBatch, int maxQueue, string name = "actorai-generation", IGenerationObserver? observer = null)
        : this(model, tokenizer, new GenerationEngineOptions(maxBatch, maxQueue, MaxBatchedTokens: Math.Max(512, maxBatch)), name, observer)
    {
    }

    /// <summary>Starts the decode thread for <paramref name="model"/>.</summary>
    /// <param name="model">The model (in eval mode from here on); the engine does not own it.</param>
    /// <param name="tokenizer">Decodes tokens to text.</param>
    /// <param name="options">Batch, queue, step token budget and KV cache.</param>
    /// <param name="name">Thread name (for diagnostics).</param>
    /// <param name="observer">Hears each request's queue time, first token, inter-token gaps and end; none by default.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public GenerationEngine(Gpt model, ITextTokenizer tokenizer, GenerationEngineOptions options, string name = "actorai-generation", IGenerationObserver? observer = null)
        : this((IGenerationModel)model, tokenizer, options, name, observer)
    {
    }

    /// <summary>Starts the decode thread for <paramref name="model"/>: a <see cref="Gpt"/>, or a <see cref="Pipeline.PipelineModel"/> whose stages run elsewhere.</summary>
    /// <param name="model">The model; the engine does not own it, and it serves this engine only.</param>
    /// <param name="tokenizer">Decodes tokens to text.</param>
    /// <param name="options">Batch, queue, step token budget and KV cache.</param>
    /// <param name="name">Thread name (for diagnostics).</param>
    /// <param name="observer">Hears each request's queue time, first token, inter-token gaps and end; none by default.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public GenerationEngine(IGenerationModel model, ITextTokenizer tokenizer, GenerationEngineOptions options, string name = "actorai-generation", IGenerationObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _observer = observer;
        Options = options;
        _generator = new BatchedGenerator(model, tokenizer, options);
        _capacity = options.MaxBatch + options.MaxQueue;
        ContextLength = model.Config.ContextLength;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The most choices <see cref="TrySubmitMany"/> takes for one prompt.</summary>
    public const int MaxChoices = 16;

    /// <summary>The scheduling and cache settings.</summary>
    public GenerationEngineOptions Options { get; }

    /// <summary>Prompt tokens looked up in the prefix cache since start.</summary>
    public long PrefixCacheQueries => Interlocked.Read(ref _prefixQueries);

    /// <summary>Prompt tokens whose KV came from the prefix cache since start.</summary>
    public long PrefixCacheHits => Interlocked.Read(ref _prefixHits);

    /// <summary>The model's context length in tokens.</summary>
    public int ContextLength { get; }

    /// <summary>Requests queued or decoding.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Sequences decoding now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Requests finished since start.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Fraction (0..1) of the KV cache's token positions in use after the last step.</summary>
    public double CacheUsage => Volatile.Read(ref _cacheUsage);

    /// <summary>Bytes the paged KV pool holds after the last step: it grows with the live tokens, up to the budget.</summary>
    public long KvCacheBytes => Interlocked.Read(ref _kvCacheBytes);

    /// <summary>Set when the decode loop failed; every request then ends with this error.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>
    /// Admits a tokenized prompt. Events arrive on the returned reader as tokens are produced; the last one carries
    /// <see cref="GenerationEvent.Finish"/>. Returns null when <c>MaxBatch + MaxQueue</c> requests are outstanding.
    /// </summary>
    /// <param name="prompt">Token ids.</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="cacheSalt">Separates prefix-cache entries: only requests with the same salt share cached prompt
    /// blocks (a server passes one per tenant, so cache hits reveal nothing across tenants). Null is a salt of its own.</param>
    /// <exception cref="ArgumentException">The prompt or options do not fit the model (see <see cref="BatchedGenerator.Submit"/>).</exception>
    /// <exception cref="KvCacheBudgetException">The prompt and its tokens could never fit the KV-cache budget.</exception>
    /// <exception cref="ObjectDisposedException">The engine is stopping.</exception>
    public GenerationStream? TrySubmit(int[] prompt, SamplingOptions options, string? cacheSalt = null) =>
        TrySubmitMany(prompt, options, 1, cacheSalt)?[0];

    /// <summary>
    /// Admits <paramref name="n"/> independent continuations of one prompt (OpenAI's <c>n</c>), all or none. The
    /// prompt is prefilled once. Choice i samples with seed <c>Seed + i</c> when <see cref="SamplingOptions.Seed"/> is
    /// set. Returns null when fewer than <paramref name="n"/> places are free.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not between 1 and <see cref="MaxChoices"/>.</exception>
    /// <inheritdoc cref="TrySubmit" path="/exception"/>
    public IReadOnlyList<GenerationStream>? TrySubmitMany(int[] prompt, SamplingOptions options, int n, string? cacheSalt = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxChoices);
        options.Validate();
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (Fault is { } fault)
        {
            throw new InvalidOperationException($"the generation loop failed: {fault.Message}", fault);
        }
        if (Interlocked.Add(ref _outstanding, n) > _capacity)
        {
            Interlocked.Add(ref _outstanding, -n);
            return null;
        }
        try
        {
            // The KV budget is checked here, on the caller's thread, so a request that could never fit is refused
            // with a typed error instead of waiting forever.
            _generator.CheckFits(prompt, options, n);
        }
        catch
        {
            Interlocked.Add(ref _outstanding, -n);
            throw;
        }
        var streams = new GenerationStream[n];
        var outputs = new RequestOutput[n];
        var handles = new long[n];
        for (int i = 0; i < n; i++)
        {
            outputs[i] = new RequestOutput();
            handles[i] = Interlocked.Increment(ref _nextHandle);
            streams[i] = new GenerationStream(this, handles[i], outputs[i].Channel.Reader, outputs[i].Ended.Task);
        }
        _incoming.Enqueue(new Admission(handles, [.. prompt], options, cacheSalt, outputs, Stopwatch.GetTimestamp()));
        _wake.Release();
        return streams;
    }

    /// <summary>Stops the loop; requests still running end with <see cref="FinishReason.Cancelled"/>.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _generator.Dispose();
        _wake.Dispose();
    }

    internal void Cancel(long handle)
    {
        if (!_stopping)
        {
            _cancellations.Enqueue(handle);
            _wake.Release();
        }
    }

    private void Loop()
    {
        // Torch state (dispose scopes, grad mode) is per thread: this thread alone touches the generator.
        try
        {
            while (!_stopping)
            {
                Admit();
                ApplyCancellations();
                if (!_generator.HasWork)
                {
                    _wake.Wait();
                    continue;
                }
                long stepStart = Stopwatch.GetTimestamp();
                IReadOnlyList<GenerationEvent> events = _generator.Step();
                // Before the events go out, so a reader that saw a token also sees the usage that produced it.
                Volatile.Write(ref _cacheUsage, _generator.CacheUsage);
                Volatile.Write(ref _kvCacheBytes, _generator.KvCacheBytes);
                Volatile.Write(ref _prefixQueries, _generator.PrefixCacheQueries);
                Volatile.Write(ref _prefixHits, _generator.PrefixCacheHits);
                Dispatch(events, stepStart, Stopwatch.GetTimestamp());
            }
        }
        catch (Exception ex)
        {
            Fault = ex;
            foreach (Request request in _running.Values)
            {
                request.Output.Complete(ex);
            }
            _running.Clear();
            while (_incoming.TryDequeue(out Admission? admission))
            {
                Array.ForEach(admission.Outputs, o => o.Complete(ex));
            }
            return;
        }
        foreach (Request request in _running.Values)
        {
            request.Output.Channel.Writer.TryWrite(new GenerationEvent(request.SequenceId, -1, "", FinishReason.Cancelled));
            request.Output.Complete();
        }
        _running.Clear();
        while (_incoming.TryDequeue(out Admission? admission))
        {
            Array.ForEach(admission.Outputs, o => o.Complete(new ObjectDisposedException(nameof(GenerationEngine))));
        }
    }

    private void Admit()
    {
        while (_incoming.TryDequeue(out Admission? admission))
        {
            try
            {
                long[] sequences = _generator.SubmitMany(admission.Prompt, admission.Options, admission.Handles.Length, admission.CacheSalt);
                for (int i = 0; i < sequences.Length; i++)
                {
                    _running[admission.Handles[i]] = new Request(sequences[i], admission.Outputs[i], admission.SubmittedAt, admission.Prompt.Length);
                    _handles[sequences[i]] = admission.Handles[i];
                }
            }
            catch (ArgumentException ex)
            {
                Interlocked.Add(ref _outstanding, -admission.Handles.Length);
                foreach (RequestOutput output in admission.Outputs)
                {
                    output.Complete(ex);
                }
            }
        }
        Volatile.Write(ref _active, _generator.Active);
    }

    private void ApplyCancellations()
    {
        while (_cancellations.TryDequeue(out long handle))
        {
            if (_running.TryGetValue(handle, out Request? request))
            {
                _generator.Cancel(request.SequenceId);
            }
        }
    }

    private void Dispatch(IReadOnlyList<GenerationEvent> events, long stepStart, long now)
    {
        if (events.Count == 0)
        {
            return;
        }
        foreach (GenerationEvent e in events)
        {
            if (!_handles.TryGetValue(e.SequenceId, out long handle))
            {
                continue;
            }
            Request request = _running[handle];
            if (_observer is not null)
            {
                Observe(request, e, stepStart, now);
            }
            if (e.Finish is not null)
            {
                // Capacity is given back before the caller can see the end, so its next request is admitted.
                _running.Remove(handle);
                _handles.Remove(e.SequenceId);
                Interlocked.Decrement(ref _outstanding);
                Interlocked.Increment(ref _served);
            }
            request.Output.Channel.Writer.TryWrite(e);
            if (e.Finish is not null)
            {
                request.Output.Complete();
            }
        }
        Volatile.Write(ref _active, _generator.Active);
    }

    // One step's events share its end time: the tokens of a batch are produced together.
    private void Observe(Request request, GenerationEvent e, long stepStart, long now)
    {
        if (e.Token >= 0)
        {
            if (request.Generated == 0)
            {
                _observer!.OnFirstToken(request.PromptTokens,
                    Stopwatch.GetElapsedTime(request.SubmittedAt, Math.Max(stepStart, request.SubmittedAt)).TotalSeconds,
                    Stopwatch.GetElapsedTime(request.SubmittedAt, now).TotalSeconds);
                request.FirstTokenAt = now;
            }
            else
            {
                _observer!.OnToken(Stopwatch.GetElapsedTime(request.LastTokenAt, now).TotalSeconds);
            }
            request.LastTokenAt = now;
            request.Generated++;
        }
        if (e.Finish is { } finish)
        {
            double? perToken = request.Generated > 1
                ? Stopwatch.GetElapsedTime(request.FirstTokenAt, request.LastTokenAt).TotalSeconds / (request.Generated - 1)
                : null;
            _observer!.OnFinished(finish, request.PromptTokens, request.Generated, Stopwatch.GetElapsedTime(request.SubmittedAt, now).TotalSeconds, perToken);
        }
    }

    private sealed record Admission(long[] Handles, int[] Prompt, SamplingOptions Options, string? CacheSalt, RequestOutput[] Outputs, long SubmittedAt);

    // Timestamps are Stopwatch ticks; the timing fields are touched by the decode thread only.
    private sealed class Request(long sequenceId, RequestOutput output, long submittedAt, int promptTokens)
    {
        public long SequenceId { get; } = sequenceId;
        public RequestOutput Output { get; } = output;
        public long SubmittedAt { get; } = submittedAt;
        public int PromptTokens { get; } = promptTokens;
        public long FirstTokenAt { get; set; }
        public long LastTokenAt { get; set; }
        public int Generated { get; set; }
    }

    // A request's events, and a signal that the last one was written (a channel's own Completion waits until the
    // reader has also drained it).
    private sealed class RequestOutput
    {
        public Channel<GenerationEvent> Channel { get; } =
            System.Threading.Channels.Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(Exception? error = null)
        {
            Channel.Writer.TryComplete(error);
            Ended.TrySetResult();
        }
    }
}

/// <summary>The events of one request; <see cref="Cancel"/> (or disposing) ends it at the next step.</summary>
public sealed class GenerationStream : IDisposable
{
    private readonly GenerationEngine _engine;
    private readonly long _handle;
    private int _done;

    internal GenerationStream(GenerationEngine engine, long handle, ChannelReader<GenerationEvent> events, Task ended)
    {
        Ended = ended;
        _engine = engine;
        _handle = handle;
        Events = events;
    }

    /// <summary>Events as the loop produces them; completes after the finishing event (or with the loop's error).</summary>
    public ChannelReader<GenerationEvent> Events { get; }

    /// <summary>Completes as soon as the last event has been written, whether or not it has been read yet.</summary>
    public Task Ended { get; }

    /// <summary>Ends the request at the next step unless it already finished.</summary>
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0 && !Events.Completion.IsCompleted)
        {
            _engine.Cancel(_handle);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Cancel();
}
