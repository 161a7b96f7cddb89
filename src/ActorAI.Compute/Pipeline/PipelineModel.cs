using System.Diagnostics;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using static TorchSharp.torch;

namespace ActorAI.Compute.Pipeline;

/// <summary>
/// The coordinator of a pipeline of model stages, as a model a <see cref="BatchedGenerator"/> (or
/// <see cref="GenerationEngine"/>) steps: the generator keeps its block tables here with no tensors, and each engine
/// step goes through the stages (<see cref="IStageTransport"/>), which hold the weights and the keys and values of
/// their layers at the generator's pool rows.
/// <list type="bullet">
/// <item>A step is split into micro-batches along attention groups (decode groups by sequences) that flow through the
/// stages concurrently: stage s works on micro-batch m while stage s + 1 works on m − 1. Each stage receives the
/// micro-batches in order, one call at a time.</item>
/// <item>Hidden states travel as float arrays; a call whose arrays would exceed the message limit is split into several.</item>
/// <item>What entered each stage at each pool row is kept here, so that a stage that lost its KV cache (it throws
/// <see cref="StageResetException"/>, or <see cref="NotifyReset"/> says so) is reset and rebuilt by replaying the live
/// sequences' inputs as prefill chunks; then the step goes on. The output is what an uninterrupted run gives.</item>
/// </list>
/// <para>
/// Threading: <see cref="IGenerationModel.Step"/> blocks on the transport's tasks. It is called from the engine's
/// dedicated thread (not an Orleans scheduler thread, so blocking cannot deadlock a grain); never call it from a
/// grain's turn. Counters and <see cref="NotifyReset"/> are thread-safe.
/// </para>
/// </summary>
public sealed class PipelineModel : IGenerationModel
{
    /// <summary>Orleans' default message size limit: no call carries hidden state or logits beyond it.</summary>
    public const long DefaultMaxMessageBytes = 16L << 20;

    /// <summary>
    /// Fewest tokens per micro-batch a serving replica uses: on this project's CPUs a decode step of fewer tokens runs
    /// faster whole than cut (measured with <c>scripts/bench.sh pipeline</c>: 0.63 → 0.75 of unsplit at 8 streams on one host).
    /// </summary>
    public const int DefaultMinMicroBatchTokens = 64;

    private readonly int _minMicroBatchTokens;

    // Failures of one step that are resets; past this many in one step the stage is deemed gone and the step fails.
    private const int MaxResetsPerStep = 8;

    // Tokens per replay step (prefill chunks of the live sequences).
    private const int ReplayStepTokens = 256;

    private readonly IStageTransport _transport;
    private readonly long _maxMessageBytes;
    private readonly KeptRows<long> _tokens = new(1);
    private readonly KeptRows<float>[] _hidden; // per stage after the first: the residual stream that entered it
    private readonly HashSet<int> _pendingResets = [];
    private readonly bool[] _started;
    private readonly long[] _busyTicks;
    private PagedKvCache? _cache;
    private ILiveSequences? _sequences;
    private long _steps, _calls, _bytesSent, _bytesReceived, _replays, _replayedTokens, _elapsedTicks;

    /// <summary>
    /// A coordinator for <paramref name="config"/> split into <paramref name="stages"/> stages reached through
    /// <paramref name="transport"/> (stage i holds <c>PipelinePartition.Split(config, stages)[i]</c>).
    /// </summary>
    /// <param name="config">The whole model's shape.</param>
    /// <param name="stages">How many stages.</param>
    /// <param name="transport">Reaches the stages.</param>
    /// <param name="microBatches">Micro-batches per step (a step with fewer tokens gets fewer); 0: one per stage.</param>
    /// <param name="minMicroBatchTokens">Fewest tokens a micro-batch is cut to: a smaller step runs in fewer micro-batches,
    /// since below this a step's matrix products lose more to their size than overlapping the stages wins
    /// (<see cref="DefaultMinMicroBatchTokens"/> for serving; 1 splits any step).</param>
    /// <param name="maxMessageBytes">The largest hidden state or logits one call carries.</param>
    public PipelineModel(
        GptConfig config, int stages, IStageTransport transport, int microBatches = 0, long maxMessageBytes = DefaultMaxMessageBytes, int minMicroBatchTokens = 1)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(transport);
        config.Validate();
        if (stages < 1 || stages > config.Layers)
        {
            throw new ArgumentException($"stages must be between 1 and the model's {config.Layers} blocks (was {stages})", nameof(stages));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(microBatches);
        long smallest = 4L * Math.Max(config.Embedding, config.VocabularySize);
        if (maxMessageBytes < smallest)
        {
            throw new ArgumentException($"maxMessageBytes must hold one token's hidden state or logits ({smallest} bytes; was {maxMessageBytes})", nameof(maxMessageBytes));
        }
        Config = config;
        Stages = stages;
        MicroBatches = microBatches == 0 ? stages : microBatches;
        ArgumentOutOfRangeException.ThrowIfLessThan(minMicroBatchTokens, 1);
        _minMicroBatchTokens = minMicroBatchTokens;
        _transport = transport;
        _maxMessageBytes = maxMessageBytes;
        _hidden = [.. Enumerable.Range(0, stages).Select(_ => new KeptRows<float>(config.Embedding))];
        _started = new bool[stages];
        _busyTicks = new long[stages];
        for (int s = 0; s < stages; s++)
        {
            _pendingResets.Add(s); // every stage starts a cache epoch at the first step
        }
    }

    /// <inheritdoc />
    public GptConfig Config { get; }

    /// <summary>How many stages.</summary>
    public int Stages { get; }

    /// <summary>Micro-batches per step at most.</summary>
    public int MicroBatches { get; }

    /// <summary>The coordinator's step tensors live on the CPU; it holds no KV cache.</summary>
    public Device Device => CPU;

    /// <inheritdoc />
    public ScalarType KvCacheType => ScalarType.Float32;

    /// <summary>Traffic, replays and per-stage busy time since start.</summary>
    public PipelineCounters Counters => new(
        Interlocked.Read(ref _steps), Interlocked.Read(ref _calls), Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived),
        Interlocked.Read(ref _replays), Interlocked.Read(ref _replayedTokens), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _elapsedTicks)),
        [.. _busyTicks.Select((_, s) => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks[s])))]);

    /// <summary>
    /// Tells the coordinator that <paramref name="stage"/> lost its KV cache (e.g. its grain was reactivated): before
    /// the next step it is reset and its keys and values are rebuilt from the kept inputs.
    /// </summary>
    public void NotifyReset(int stage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stage, Stages);
        lock (_pendingResets)
        {
            _pendingResets.Add(stage);
        }
    }

    PagedKvCache IGenerationModel.Open(int blockSize, int maxBlocks, ILiveSequences sequences)
    {
        if (_cache is not null)
        {
            throw new InvalidOperationException("a pipeline serves one generator");
        }
        _sequences = sequences;
        _cache = PagedKvCache.AllocationOnly(blockSize, maxBlocks);
        return _cache;
    }

    Tensor IGenerationModel.Step(StepBatch batch, PagedKvCache cache)
    {
        if (!ReferenceEquals(cache, _cache))
        {
            throw new InvalidOperationException("the cache is not the one this pipeline opened");
        }
        long started = Stopwatch.GetTimestamp();
        StageStep whole = StageSteps.FromBatch(batch);
        BlockCopy[] copies = cache.TakeCopies();
        foreach (BlockCopy copy in copies)
        {
            _tokens.CopyBlock(copy.From, copy.To, copy.Positions, cache.BlockSize);
            foreach (KeptRows<float> kept in _hidden.Skip(1))
            {
                kept.CopyBlock(copy.From, copy.To, copy.Positions, cache.BlockSize);
            }
        }
        // The engine's own thread blocks here (see the class remarks); the stage calls run on the thread pool.
        float[] logits = RunAsync(whole, copies).GetAwaiter().GetResult();
        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _elapsedTicks, Stopwatch.GetTimestamp() - started);
        return tensor(logits, [whole.SampleRows.LongLength, Config.VocabularySize]); // (R, V)
    }

    private async Task<float[]> RunAsync(StageStep whole, BlockCopy[] copies)
    {
        await RecoverAsync(TakePendingResets()).ConfigureAwait(false);
        int n = whole.WriteRows.Length;
        int target = Math.Max((n + MicroBatches - 1) / MicroBatches, _minMicroBatchTokens);
        MicroBatch[] batches = [.. StageSteps.Partition(whole, target, int.MaxValue, hard: false, _cache!.BlockSize, Config.Embedding, MicroBatches)
            .Select(p => new MicroBatch(p, Stages))];
        batches[0].Copies = copies;
        for (int attempt = 0; ; attempt++)
        {
            List<Exception> failures = await RunPipelineAsync(batches).ConfigureAwait(false);
            if (failures.Count == 0)
            {
                break;
            }
            if (failures.FirstOrDefault(e => e is not StageFailure { Inner: StageResetException }) is { } other)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(other is StageFailure f ? f.Inner : other);
            }
            if (attempt >= MaxResetsPerStep)
            {
                throw new InvalidOperationException($"pipeline stages kept resetting ({attempt} times in one step)", failures[0]);
            }
            await RecoverAsync([.. failures.Cast<StageFailure>().Select(f => f.Stage).Distinct().Order()], batches).ConfigureAwait(false);
        }
        // Keep what entered each stage at this step's rows, for replay.
        _tokens.Write(whole.WriteRows, whole.Tokens);
        foreach (MicroBatch m in batches)
        {
            for (int s = 1; s < Stages; s++)
            {
                _hidden[s].Write(m.Piece.Step.WriteRows, m.Inputs[s]!.Hidden);
            }
        }
        int v = Config.VocabularySize;
        var logits = new float[whole.SampleRows.LongLength * v];
        foreach (MicroBatch m in batches)
        {
            for (int j = 0; j < m.Piece.SampleIndices.Length; j++)
            {
                m.Output.AsSpan(j * v, v).CopyTo(logits.AsSpan(m.Piece.SampleIndices[j] * v, v));
            }
        }
        return logits;
    }

    // Runs every micro-batch from the stage it has reached to the last, stage s of m after stage s of m − 1 (so each
    // stage sees them in order, one at a time) and after stage s − 1 of m. Returns the failures; on the first, the
    // micro-batches behind stop where they are.
    private async Task<List<Exception>> RunPipelineAsync(MicroBatch[] batches)
    {
        int stages = Stages;
        var done = new TaskCompletionSource[batches.Length, stages];
        for (int m = 0; m < batches.Length; m++)
        {
            for (int s = 0; s < stages; s++)
            {
                done[m, s] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (s < batches[m].Next)
                {
                    done[m, s].SetResult();
                }
            }
        }
        var failures = new List<Exception>();
        bool failed = false;
        async Task Run(int m)
        {
            MicroBatch batch = batches[m];
            try
            {
                while (batch.Next < stages)
                {
                    int s = batch.Next;
                    if (m > 0)
                    {
                        await done[m - 1, s].Task.ConfigureAwait(false);
                    }
                    if (Volatile.Read(ref failed))
                    {
                        return;
                    }
                    StageStep input = batch.InputFor(s);
                    batch.Inputs[s] = input;
                    float[] output = await CallAsync(s, input, m == 0 ? batch.Copies : []).ConfigureAwait(false);
                    batch.Output = output;
                    batch.Next = s + 1;
                    done[m, s].SetResult();
                }
            }
            catch (Exception ex)
            {
                lock (failures)
                {
                    failures.Add(ex);
                }
                Volatile.Write(ref failed, true);
            }
            finally
            {
                for (int s = 0; s < stages; s++)
                {
                    done[m, s].TrySetResult();
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, batches.Length).Select(Run)).ConfigureAwait(false);
        return failures;
    }

    // Stage s's share of a step, in as many calls as the message limit needs; the output concatenated in order.
    private async Task<float[]> CallAsync(int stage, StageStep step, BlockCopy[] copies)
    {
        bool last = stage == Stages - 1;
        int width = Config.Embedding, v = Config.VocabularySize;
        int maxTokens = (int)Math.Min(int.MaxValue, _maxMessageBytes / (4L * width));
        int maxSamples = last ? (int)Math.Min(int.MaxValue, _maxMessageBytes / (4L * v)) : int.MaxValue;
        List<StageSteps.Piece> pieces = step.WriteRows.Length <= maxTokens && step.SampleRows.Length <= maxSamples
            ? [new StageSteps.Piece(step, 0, [.. Enumerable.Range(0, step.SampleRows.Length)])]
            : StageSteps.Partition(step, maxTokens, maxSamples, hard: true, _cache!.BlockSize, width);
        float[] output = new float[last ? step.SampleRows.LongLength * v : step.WriteRows.LongLength * width];
        for (int i = 0; i < pieces.Count; i++)
        {
            StageStep call = i == 0 && copies.Length > 0 ? pieces[i].Step with { Copies = copies } : pieces[i].Step;
            float[] result;
            long started = Stopwatch.GetTimestamp();
            try
            {
                result = await _transport.StepAsync(stage, call).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw new StageFailure(stage, ex);
            }
            finally
            {
                Interlocked.Add(ref _busyTicks[stage], Stopwatch.GetTimestamp() - started);
                Interlocked.Increment(ref _calls);
                Interlocked.Add(ref _bytesSent, StageSteps.PayloadBytes(call));
            }
            Interlocked.Add(ref _bytesReceived, 4L * (result?.LongLength ?? 0));
            long expected = last ? call.SampleRows.LongLength * v : call.WriteRows.LongLength * width;
            if (result is null || result.LongLength != expected)
            {
                throw new InvalidOperationException($"stage {stage} returned {result?.LongLength ?? 0} floats; {expected} expected");
            }
            if (last)
            {
                for (int j = 0; j < pieces[i].SampleIndices.Length; j++)
                {
                    result.AsSpan(j * v, v).CopyTo(output.AsSpan(pieces[i].SampleIndices[j] * v, v));
                }
            }
            else
            {
                result.CopyTo(output, (long)pieces[i].TokenStart * width);
            }
        }
        return output;
    }

    private int[] TakePendingResets()
    {
        lock (_pendingResets)
        {
            int[] stages = [.. _pendingResets.Order()];
            _pendingResets.Clear();
            return stages;
        }
    }

    // Resets each stage, rebuilds its keys and values from the kept inputs of the live sequences, and re-runs this
    // step's micro-batches that had passed it (their keys went with the rest).
    private async Task RecoverAsync(int[] stages, MicroBatch[]? batches = null)
    {
        var queue = new Queue<int>(stages);
        int resets = 0;
        while (queue.TryDequeue(out int stage))
        {
            lock (_pendingResets)
            {
                _pendingResets.Remove(stage); // a loss heard of before this reset is repaired by it
            }
            try
            {
                await _transport.ResetAsync(stage).ConfigureAwait(false);
                if (_started[stage])
                {
                    _cache!.DropCached(); // cached prefixes no sequence holds are not replayed: their keys are gone
                    await ReplayAsync(stage).ConfigureAwait(false);
                    Interlocked.Increment(ref _replays);
                }
                _started[stage] = true;
                foreach (MicroBatch m in batches ?? [])
                {
                    if (m.Next > stage)
                    {
                        await CallAsync(stage, m.Inputs[stage]!, m == batches![0] ? m.Copies : []).ConfigureAwait(false);
                    }
                }
            }
            catch (StageFailure failure) when (failure.Inner is StageResetException && ++resets <= MaxResetsPerStep)
            {
                queue.Enqueue(failure.Stage);
                if (failure.Stage != stage)
                {
                    queue.Enqueue(stage);
                }
            }
        }
    }

    private async Task ReplayAsync(int stage)
    {
        int blockSize = _cache!.BlockSize;
        var rebuilt = new Dictionary<int, int>(); // block → positions rebuilt
        var groups = new List<StageGroup>();
        var rows = new List<long>();
        var positions = new List<long>();
        foreach ((IReadOnlyList<int> blocks, int length) in _sequences!.LiveSequences())
        {
            // Full blocks another sequence shares (a fork, a prefix hit) and that are already rebuilt are skipped.
            int from = 0;
            while (from + blockSize <= length && rebuilt.TryGetValue(blocks[from / blockSize], out int done) && done == blockSize)
            {
                from += blockSize;
            }
            for (int past = from; past < length; past += ReplayStepTokens)
            {
                int count = Math.Min(ReplayStepTokens, length - past);
                if (rows.Count + count > ReplayStepTokens && rows.Count > 0)
                {
                    await ReplayStepAsync(stage, groups, rows, positions).ConfigureAwait(false);
                }
                int keys = past + count;
                int columns = (keys + blockSize - 1) / blockSize;
                groups.Add(past == 0
                    ? new StageGroup(rows.Count, count, true, 0, count, null, 0, 0, 0, null, null)
                    : new StageGroup(rows.Count, count, true, past, keys, [.. blocks.Take(columns)], 1, columns, 0,
                        StageSteps.CausalMask(past, count, keys), [count, keys]));
                for (int p = past; p < keys; p++)
                {
                    int block = blocks[p / blockSize];
                    rows.Add(((long)block * blockSize) + (p % blockSize));
                    positions.Add(p);
                    rebuilt[block] = Math.Max(rebuilt.GetValueOrDefault(block), (p % blockSize) + 1);
                }
            }
        }
        if (rows.Count > 0)
        {
            await ReplayStepAsync(stage, groups, rows, positions).ConfigureAwait(false);
        }
    }

    // One replay step: prefill chunks over the kept inputs; the output is not needed (no sample rows).
    private async Task ReplayStepAsync(int stage, List<StageGroup> groups, List<long> rows, List<long> positions)
    {
        var step = new StageStep(
            stage == 0 ? _tokens.Gather(rows) : [],
            [.. positions],
            [.. rows],
            [.. groups],
            [],
            stage == 0 ? [] : _hidden[stage].Gather(rows),
            []);
        Interlocked.Add(ref _replayedTokens, rows.Count);
        groups.Clear();
        rows.Clear();
        positions.Clear();
        await CallAsync(stage, step, []).ConfigureAwait(false);
    }

    /// <summary>One micro-batch of a step and how far through the stages it has gone.</summary>
    private sealed class MicroBatch(StageSteps.Piece piece, int stages)
    {
        public StageSteps.Piece Piece { get; } = piece;
        public StageStep?[] Inputs { get; } = new StageStep?[stages]; // what was sent to each stage
        public BlockCopy[] Copies { get; set; } = [];
        public int Next { get; set; }                // the first stage not yet run
        public float[] Output { get; set; } = [];     // the last stage's output so far

        public StageStep InputFor(int stage) => stage == 0
            ? Piece.Step
            : Piece.Step with { Tokens = [], Hidden = Output };
    }

    /// <summary>A transport call of <see cref="Stage"/> failed with <see cref="Inner"/>.</summary>
    private sealed class StageFailure(int stage, Exception inner) : Exception($"stage {stage} failed: {inner.Message}", inner)
    {
        public int Stage { get; } = stage;
        public Exception Inner { get; } = inner;
    }
}

/// <summary>A pipeline's traffic and work since start (see <see cref="PipelineModel.Counters"/>).</summary>
/// <param name="Steps">Engine steps run.</param>
/// <param name="StageCalls">Transport step calls (chunks and replays included).</param>
/// <param name="BytesSent">Bytes of the arrays sent to stages (token ids, rows, groups, hidden states).</param>
/// <param name="BytesReceived">Bytes of the arrays stages returned (hidden states, logits).</param>
/// <param name="Replays">Stage resets rebuilt by replay (the first epoch of each stage not counted).</param>
/// <param name="ReplayedTokens">Positions replayed to rebuild stages.</param>
/// <param name="Elapsed">Wall time inside steps.</param>
/// <param name="StageBusy">Per stage: wall time its calls were outstanding, as the coordinator saw them.</param>
public sealed record PipelineCounters(
    long Steps,
    long StageCalls,
    long BytesSent,
    long BytesReceived,
    long Replays,
    long ReplayedTokens,
    TimeSpan Elapsed,
    IReadOnlyList<TimeSpan> StageBusy)
{
    /// <summary>The fraction of stage time idle: 1 − busy / (stages × elapsed); 0 before any step.</summary>
    public double BubbleFraction => Elapsed <= TimeSpan.Zero || StageBusy.Count == 0
        ? 0
        : Math.Max(0, 1 - (StageBusy.Sum(t => t.TotalSeconds) / (StageBusy.Count * Elapsed.TotalSeconds)));
}
