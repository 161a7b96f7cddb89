using ActorAI.Compute.Models;
using ActorAI.Compute.Training;

namespace ActorAI.Compute.Pipeline;

/// <summary>A contiguous run of a stage's flat parameters: [StageOffset, +Length) is [ModelOffset, +Length) of the whole model's.</summary>
/// <param name="StageOffset">First element in the stage's flat vector (its <c>named_parameters()</c> order).</param>
/// <param name="ModelOffset">First element in the whole model's flat vector (<see cref="ParameterLayout.For"/>).</param>
/// <param name="Length">Elements.</param>
public sealed record StageRun(long StageOffset, long ModelOffset, long Length);

/// <summary>A piece of a stage run that falls in one parameter shard, at most one message long.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="ShardOffset">First element within the shard's slice.</param>
/// <param name="StageOffset">First element in the stage's flat vector.</param>
/// <param name="Length">Elements.</param>
public sealed record ShardPiece(int Shard, int ShardOffset, long StageOffset, int Length);

/// <summary>
/// Where a pipeline stage's parameters sit in the whole model's flat layout — what a stage pulls from the parameter
/// shards and what it pushes back. A tied head on a split model is the one parameter two stages hold: the last stage's
/// copy of <c>transformer.wte.weight</c> is pulled like any other, but its gradient belongs to the first stage's (the
/// model's single matrix), so the last stage does not push it (<see cref="PushRuns"/>) and hands it over instead
/// (<see cref="TiedEmbedding"/>).
/// </summary>
public sealed class StageParameterMap
{
    private const string TokenEmbedding = "transformer.wte.weight";

    private StageParameterMap(IReadOnlyList<StageRun> runs, IReadOnlyList<StageRun> pushRuns, long count, long modelCount, StageRun? tied)
    {
        Runs = runs;
        PushRuns = pushRuns;
        Count = count;
        ModelCount = modelCount;
        TiedEmbedding = tied;
    }

    /// <summary>Every parameter of the stage, as maximal contiguous runs: what the stage pulls.</summary>
    public IReadOnlyList<StageRun> Runs { get; }

    /// <summary>The runs whose gradients the stage pushes: <see cref="Runs"/> less a tied head's copy of the token embedding.</summary>
    public IReadOnlyList<StageRun> PushRuns { get; }

    /// <summary>Elements in the stage's flat vector.</summary>
    public long Count { get; }

    /// <summary>Elements in the whole model's flat vector (what the shards split).</summary>
    public long ModelCount { get; }

    /// <summary>
    /// The token embedding in this stage's flat vector when the stage must hand its gradient to another: on the first
    /// stage of a split tied model it is where the last stage's gradient is added; on the last, what it sends. Null on
    /// other stages, with an untied head, or with one stage (where autograd already sums both uses).
    /// </summary>
    public StageRun? TiedEmbedding { get; }

    /// <summary>The map of <paramref name="range"/>'s stage of a model of <paramref name="config"/>.</summary>
    public static StageParameterMap For(GptConfig config, StageRange range)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(range);
        ParameterLayout model = ParameterLayout.For(config);
        var runs = new List<StageRun>();
        var pushRuns = new List<StageRun>();
        bool split = range.Count > 1 && config.TiedHead;
        StageRun? tied = null;
        long at = 0;
        foreach ((string name, long[] shape) in PipelinePartition.ParameterShapes(config, range))
        {
            long length = shape.Aggregate(1L, (a, b) => a * b);
            var run = new StageRun(at, model.Segment(name).Offset, length);
            Append(runs, run);
            if (split && name == TokenEmbedding)
            {
                tied = run;
                if (range.First)
                {
                    Append(pushRuns, run); // the first stage pushes the sum of both uses
                }
            }
            else
            {
                Append(pushRuns, run);
            }
            at += length;
        }
        return new StageParameterMap(runs, pushRuns, at, model.Count, tied);
    }

    /// <summary>
    /// The pieces of <paramref name="runs"/> in each of <paramref name="shards"/> parameter shards (the shards' split of
    /// <see cref="ModelCount"/>), each at most <paramref name="maxLength"/> elements: one pull or push message each.
    /// </summary>
    public IReadOnlyList<ShardPiece> Pieces(IReadOnlyList<StageRun> runs, int shards, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var pieces = new List<ShardPiece>();
        for (int s = 0; s < shards; s++)
        {
            (long shardStart, int shardLength) = ParameterLayout.ShardRange(ModelCount, s, shards);
            foreach (StageRun run in runs)
            {
                long from = Math.Max(run.ModelOffset, shardStart);
                long to = Math.Min(run.ModelOffset + run.Length, shardStart + shardLength);
                for (long p = from; p < to; p += maxLength)
                {
                    int n = (int)Math.Min(maxLength, to - p);
                    pieces.Add(new ShardPiece(s, (int)(p - shardStart), run.StageOffset + (p - run.ModelOffset), n));
                }
            }
        }
        return pieces;
    }

    /// <summary>Adds <paramref name="source"/> into <paramref name="target"/> element by element (the tied head's gradient into the embedding's).</summary>
    public static void Add(Span<float> target, ReadOnlySpan<float> source)
    {
        if (target.Length != source.Length)
        {
            throw new ArgumentException($"{source.Length} values added to {target.Length}", nameof(source));
        }
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }

    // Consecutive parameters that are also consecutive in the model form one run.
    private static void Append(List<StageRun> runs, StageRun run)
    {
        if (runs.Count > 0 && runs[^1] is { } last
            && last.StageOffset + last.Length == run.StageOffset && last.ModelOffset + last.Length == run.ModelOffset)
        {
            runs[^1] = last with { Length = last.Length + run.Length };
        }
        else
        {
            runs.Add(run);
        }
    }
}
