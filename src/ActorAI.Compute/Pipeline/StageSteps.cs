using System.Diagnostics.CodeAnalysis;
using ActorAI.Compute.Models;
using static TorchSharp.torch;

namespace ActorAI.Compute.Pipeline;

/// <summary>
/// <see cref="StageStep"/> arithmetic: conversion to and from a <see cref="StepBatch"/>, validation of what arrives from
/// the wire, and partitions of a step into smaller ones (micro-batches, message-sized chunks).
/// </summary>
internal static class StageSteps
{
    /// <summary>A piece of a step, and which of the whole step's sample rows it carries.</summary>
    /// <param name="Step">The piece as a step of its own.</param>
    /// <param name="TokenStart">Its first token's index in the whole step.</param>
    /// <param name="SampleIndices">Per sample row of the piece, its index in the whole step's <see cref="StageStep.SampleRows"/>.</param>
    internal sealed record Piece(StageStep Step, int TokenStart, int[] SampleIndices);

    /// <summary>The coordinator's side: a generator's step as arrays (no hidden state, no copies).</summary>
    public static StageStep FromBatch(StepBatch batch)
    {
        var groups = new StageGroup[batch.Groups.Count];
        for (int g = 0; g < groups.Length; g++)
        {
            AttentionGroup a = batch.Groups[g];
            int[]? blocks = a.Blocks?.to_type(ScalarType.Int32).cpu().contiguous().data<int>().ToArray();
            bool[]? mask = a.Mask?.cpu().contiguous().data<bool>().ToArray();
            groups[g] = new StageGroup(a.Start, a.Count, a.Prefill, a.Past, a.Keys, blocks,
                a.Blocks is null ? 0 : (int)a.Blocks.shape[0], a.Blocks is null ? 0 : (int)a.Blocks.shape[1],
                a.FirstRow, mask, a.Mask?.shape);
        }
        return new StageStep(Longs(batch.Tokens), Longs(batch.Positions), Longs(batch.WriteRows), groups, Longs(batch.SampleRows), [], []);

        static long[] Longs(Tensor t) => t.numel() == 0 ? [] : t.cpu().data<long>().ToArray();
    }

    /// <summary>The stage's side: the step's tensors on <paramref name="device"/> (in the caller's dispose scope).</summary>
    public static StepBatch ToBatch(StageStep step, Device device)
    {
        var groups = new AttentionGroup[step.Groups.Length];
        for (int g = 0; g < groups.Length; g++)
        {
            StageGroup s = step.Groups[g];
            Tensor? blocks = s.Blocks is null ? null : tensor(s.Blocks.Select(b => (long)b).ToArray(), [s.BlockRows, s.BlockColumns], device: device);
            Tensor? mask = s.Mask is null ? null : tensor(s.Mask, s.MaskShape!, device: device);
            groups[g] = new AttentionGroup(s.Start, s.Count, s.Prefill, s.Past, s.Keys, blocks, s.FirstRow, mask);
        }
        return new StepBatch(tensor(step.Tokens, device: device), tensor(step.Positions, device: device), tensor(step.WriteRows, device: device),
            groups, tensor(step.SampleRows, device: device));
    }

    /// <summary>
    /// Checks that a step is consistent and within the budget of <paramref name="maxBlocks"/> blocks, so that nothing a
    /// message says can index outside the pool or crash the host.
    /// </summary>
    /// <exception cref="ArgumentException">The first inconsistency found; the message names the field.</exception>
    public static void Validate(StageStep step, GptConfig config, StageRange range, int blockSize, int maxBlocks)
    {
        Require(step.Tokens is not null, "Tokens", "is null");
        Require(step.Positions is not null, "Positions", "is null");
        Require(step.WriteRows is not null, "WriteRows", "is null");
        Require(step.Groups is not null, "Groups", "is null");
        Require(step.SampleRows is not null, "SampleRows", "is null");
        Require(step.Hidden is not null, "Hidden", "is null");
        Require(step.Copies is not null, "Copies", "is null");
        int n = step.WriteRows.Length;
        long rows = (long)maxBlocks * blockSize;
        Require(n >= 1, "WriteRows", "is empty: a step has at least one token");
        Require(step.Positions.Length == n, "Positions", $"has {step.Positions.Length} entries; WriteRows has {n}");
        if (range.First)
        {
            Require(step.Tokens.Length == n, "Tokens", $"has {step.Tokens.Length} entries; WriteRows has {n} (the first stage embeds them)");
            for (int i = 0; i < n; i++)
            {
                Require((ulong)step.Tokens[i] < (ulong)config.VocabularySize, "Tokens", $"[{i}] is {step.Tokens[i]}, outside the vocabulary (0..{config.VocabularySize - 1})");
            }
        }
        else
        {
            Require(step.Tokens.Length is 0 || step.Tokens.Length == n, "Tokens", $"has {step.Tokens.Length} entries; WriteRows has {n}");
            Require(step.Hidden.LongLength == (long)n * config.Embedding, "Hidden", $"has {step.Hidden.LongLength} floats; {n} tokens × width {config.Embedding} = {(long)n * config.Embedding} expected");
        }
        for (int i = 0; i < n; i++)
        {
            Require((ulong)step.Positions[i] < (ulong)config.ContextLength, "Positions", $"[{i}] is {step.Positions[i]}, outside the context (0..{config.ContextLength - 1})");
            Require((ulong)step.WriteRows[i] < (ulong)rows, "WriteRows", $"[{i}] is {step.WriteRows[i]}, outside the KV budget of {rows} rows");
        }
        int expected = 0;
        for (int g = 0; g < step.Groups.Length; g++)
        {
            StageGroup group = step.Groups[g] ?? throw Error($"Groups[{g}]", "is null");
            ValidateGroup(group, $"Groups[{g}]", expected, n, config, blockSize, maxBlocks);
            expected += group.Count;
        }
        Require(expected == n, "Groups", $"cover {expected} tokens; the step has {n}");
        for (int i = 0; i < step.SampleRows.Length; i++)
        {
            Require((ulong)step.SampleRows[i] < (ulong)n, "SampleRows", $"[{i}] is {step.SampleRows[i]}, outside the step's {n} tokens");
        }
        for (int c = 0; c < step.Copies.Length; c++)
        {
            BlockCopy copy = step.Copies[c] ?? throw Error($"Copies[{c}]", "is null");
            Require((uint)copy.From < (uint)maxBlocks && (uint)copy.To < (uint)maxBlocks, $"Copies[{c}]", $"copies block {copy.From} to {copy.To}; the budget is {maxBlocks} blocks");
            Require(copy.Positions >= 1 && copy.Positions <= blockSize, $"Copies[{c}].Positions", $"is {copy.Positions}; a block holds 1..{blockSize}");
        }
    }

    private static void ValidateGroup(StageGroup group, string name, int start, int n, GptConfig config, int blockSize, int maxBlocks)
    {
        Require(group.Start == start, $"{name}.Start", $"is {group.Start}; groups cover the tokens in order, so {start} was expected");
        Require(group.Count >= 1 && group.Count <= n - start, $"{name}.Count", $"is {group.Count}; 1..{n - start} tokens remain");
        Require(group.Keys >= 1 && group.Keys <= config.ContextLength, $"{name}.Keys", $"is {group.Keys}, outside 1..{config.ContextLength}");
        if (group.Prefill)
        {
            Require(group.Past >= 0 && group.Keys == group.Past + group.Count, $"{name}.Past", $"is {group.Past}; a prefill chunk of {group.Count} over {group.Keys} keys has {group.Keys - group.Count} past positions");
        }
        else
        {
            Require(group.Past == 0, $"{name}.Past", $"is {group.Past}; a decode group has none");
        }
        bool readsPool = !group.Prefill || group.Past > 0;
        if (group.Blocks is { } blocks)
        {
            int wantRows = group.Prefill ? 1 : group.Count;
            Require(group.BlockRows == wantRows, $"{name}.BlockRows", $"is {group.BlockRows}; {wantRows} expected");
            Require(group.BlockColumns >= 1 && (long)group.BlockColumns * blockSize >= group.Keys, $"{name}.BlockColumns", $"is {group.BlockColumns}; {group.Keys} keys need at least {(group.Keys + blockSize - 1) / blockSize} blocks of {blockSize}");
            Require(blocks.LongLength == (long)group.BlockRows * group.BlockColumns, $"{name}.Blocks", $"has {blocks.Length} ids; BlockRows × BlockColumns is {(long)group.BlockRows * group.BlockColumns}");
            for (int i = 0; i < blocks.Length; i++)
            {
                Require((uint)blocks[i] < (uint)maxBlocks, $"{name}.Blocks", $"[{i}] is {blocks[i]}, outside the budget of {maxBlocks} blocks");
            }
        }
        else if (readsPool)
        {
            Require(group.Prefill || group.Count == 1, $"{name}.Blocks", $"is null for a decode group of {group.Count} sequences (only one reads the pool in place)");
            Require(group.FirstRow >= 0 && group.FirstRow + group.Keys <= (long)maxBlocks * blockSize, $"{name}.FirstRow", $"is {group.FirstRow}; {group.Keys} keys from there leave the KV budget of {(long)maxBlocks * blockSize} rows");
        }
        if (group.Mask is { } mask)
        {
            long[] want = group.Prefill ? [group.Count, group.Keys] : [group.Count, 1, 1, group.Keys];
            Require(group.MaskShape is not null && group.MaskShape.SequenceEqual(want), $"{name}.MaskShape", $"is [{string.Join(", ", group.MaskShape ?? [])}]; [{string.Join(", ", want)}] expected");
            Require(mask.LongLength == want.Aggregate(1L, (a, b) => a * b), $"{name}.Mask", $"has {mask.Length} entries; its shape holds {want.Aggregate(1L, (a, b) => a * b)}");
        }
    }

    /// <summary>How many blocks the pool must hold for this step: one past the highest block it reads or writes.</summary>
    public static int BlocksTouched(StageStep step, int blockSize)
    {
        long highest = 0;
        foreach (long row in step.WriteRows)
        {
            highest = Math.Max(highest, (row / blockSize) + 1);
        }
        foreach (StageGroup g in step.Groups)
        {
            if (g.Blocks is { } blocks)
            {
                highest = Math.Max(highest, blocks.Length == 0 ? 0 : blocks.Max() + 1L);
            }
            else if (!g.Prefill || g.Past > 0)
            {
                highest = Math.Max(highest, ((g.FirstRow + g.Keys - 1) / blockSize) + 1);
            }
        }
        foreach (BlockCopy c in step.Copies)
        {
            highest = Math.Max(highest, Math.Max(c.From, c.To) + 1L);
        }
        return (int)highest;
    }

    /// <summary>What a step costs on the wire, roughly: its arrays' bytes.</summary>
    public static long PayloadBytes(StageStep step) =>
        (8L * (step.Tokens.LongLength + step.Positions.LongLength + step.WriteRows.LongLength + step.SampleRows.LongLength))
        + (4L * step.Hidden.LongLength)
        + step.Groups.Sum(g => 40L + (4L * (g.Blocks?.LongLength ?? 0)) + (g.Mask?.LongLength ?? 0) + (8L * (g.MaskShape?.LongLength ?? 0)))
        + (12L * step.Copies.LongLength);

    /// <summary>
    /// Splits a step into consecutive pieces. Hard (<paramref name="hard"/>): no piece exceeds <paramref name="maxTokens"/>
    /// tokens or <paramref name="maxSamples"/> sample rows, any group split where needed (a message limit). Soft: pieces
    /// of about <paramref name="maxTokens"/> tokens, decode groups split by sequences and prefill chunks kept whole
    /// (micro-batches along group boundaries), at most <paramref name="maxParts"/> of them. Hidden state, when present
    /// (width <paramref name="width"/>), is split with the tokens.
    /// </summary>
    public static List<Piece> Partition(StageStep step, int maxTokens, int maxSamples, bool hard, int blockSize, int width, int maxParts = int.MaxValue)
    {
        int n = step.WriteRows.Length;
        var sampleAt = new List<int>[n];
        for (int i = 0; i < step.SampleRows.Length; i++)
        {
            (sampleAt[step.SampleRows[i]] ??= []).Add(i);
        }
        int SamplesIn(int from, int to)
        {
            int count = 0;
            for (int t = from; t < to; t++)
            {
                count += sampleAt[t]?.Count ?? 0;
            }
            return count;
        }

        var pieces = new List<Piece>();
        var queue = new Queue<StageGroup>(step.Groups);
        var current = new List<StageGroup>();
        int tokens = 0, samples = 0;
        StageGroup? carry = null;
        while (carry is not null || queue.Count > 0)
        {
            StageGroup g = carry ?? queue.Dequeue();
            carry = null;
            int groupSamples = SamplesIn(g.Start, g.Start + g.Count);
            bool fits = hard
                ? tokens + g.Count <= maxTokens && samples + groupSamples <= maxSamples
                : tokens + g.Count <= maxTokens || pieces.Count == maxParts - 1 || (g.Prefill && current.Count == 0);
            if (fits)
            {
                current.Add(g);
                tokens += g.Count;
                samples += groupSamples;
                continue;
            }
            // Split g where the piece fills up (a prefill chunk only when hard).
            int at = 0;
            if (hard || !g.Prefill)
            {
                while (at < g.Count && tokens + at + 1 <= maxTokens && samples + SamplesIn(g.Start, g.Start + at + 1) <= maxSamples)
                {
                    at++;
                }
            }
            if (at > 0)
            {
                (StageGroup head, StageGroup tail) = SplitGroup(g, at, step.WriteRows, blockSize);
                current.Add(head);
                carry = tail;
            }
            else if (current.Count == 0)
            {
                throw new InvalidOperationException("a piece cannot hold a single token: the limits are too small");
            }
            else
            {
                carry = g;
            }
            pieces.Add(Slice(step, current, sampleAt, width));
            current.Clear();
            tokens = samples = 0;
        }
        if (current.Count > 0)
        {
            pieces.Add(Slice(step, current, sampleAt, width));
        }
        return pieces;
    }

    // Tokens of `groups` (consecutive, in absolute coordinates) as a step of their own.
    private static Piece Slice(StageStep step, List<StageGroup> groups, List<int>[] sampleAt, int width)
    {
        int from = groups[0].Start, to = groups[^1].Start + groups[^1].Count;
        var samples = new List<int>();
        var rows = new List<long>();
        for (int t = from; t < to; t++)
        {
            foreach (int i in sampleAt[t] ?? [])
            {
                samples.Add(i);
            }
        }
        samples.Sort(); // the whole step's sample order
        foreach (int i in samples)
        {
            rows.Add(step.SampleRows[i] - from);
        }
        var piece = new StageStep(
            step.Tokens.Length == 0 ? [] : step.Tokens[from..to],
            step.Positions[from..to],
            step.WriteRows[from..to],
            [.. groups.Select(g => g with { Start = g.Start - from })],
            [.. rows],
            step.Hidden.Length == 0 ? [] : step.Hidden[(from * width)..(to * width)],
            []);
        return new Piece(piece, from, [.. samples]);
    }

    /// <summary>Splits a group after its first <paramref name="at"/> tokens (0 &lt; at &lt; Count).</summary>
    public static (StageGroup Head, StageGroup Tail) SplitGroup(StageGroup g, int at, long[] writeRows, int blockSize)
    {
        if (!g.Prefill)
        {
            // Decode: one token per sequence; split the block-table and mask rows with them.
            int w = g.BlockColumns;
            long keys = g.Keys;
            StageGroup Rows(int first, int count) => g with
            {
                Start = g.Start + first,
                Count = count,
                BlockRows = g.Blocks is null ? 0 : count,
                Blocks = g.Blocks?[(first * w)..((first + count) * w)],
                Mask = g.Mask?[(int)(first * keys)..(int)((first + count) * keys)],
                MaskShape = g.Mask is null ? null : [count, 1, 1, keys],
            };
            return (Rows(0, at), Rows(at, g.Count - at));
        }
        // Prefill: the head is the first `at` new positions; the tail attends over the head's keys and the past.
        int past = g.Past;
        StageGroup head = g with
        {
            Count = at,
            Keys = past + at,
            Mask = g.Mask is null || past == 0 ? null : CausalMask(past, at, past + at),
            MaskShape = g.Mask is null || past == 0 ? null : [at, past + at],
        };
        int[]? blocks = g.Blocks;
        int columns = g.BlockColumns;
        long firstRow = g.FirstRow;
        if (past == 0)
        {
            // The chunk read only its own keys: its block table follows from where its positions were written.
            columns = (g.Keys + blockSize - 1) / blockSize;
            blocks = [.. Enumerable.Range(0, columns).Select(b => (int)(writeRows[g.Start + (b * blockSize)] / blockSize))];
            firstRow = 0;
        }
        StageGroup tail = g with
        {
            Start = g.Start + at,
            Count = g.Count - at,
            Past = past + at,
            Blocks = blocks,
            BlockRows = blocks is null ? 0 : 1,
            BlockColumns = blocks is null ? 0 : columns,
            FirstRow = firstRow,
            Mask = CausalMask(past + at, g.Count - at, g.Keys),
            MaskShape = [g.Count - at, g.Keys],
        };
        return (head, tail);
    }

    /// <summary>(count, keys) row-major: new position i (absolute past + i) sees keys 0..past + i.</summary>
    public static bool[] CausalMask(int past, int count, int keys)
    {
        var mask = new bool[count * keys];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k <= past + i && k < keys; k++)
            {
                mask[(i * keys) + k] = true;
            }
        }
        return mask;
    }

    private static void Require([DoesNotReturnIf(false)] bool condition, string field, string problem)
    {
        if (!condition)
        {
            throw Error(field, problem);
        }
    }

    private static ArgumentException Error(string field, string problem) =>
        new($"StageStep.{field} {problem}", field);
}
