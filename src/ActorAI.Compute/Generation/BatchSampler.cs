using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>
/// Chooses the next token of many sequences at once from their logits (R, V): greedy rows take the argmax; sampled rows
/// apply temperature, top-k and top-p on the tensor and invert their cumulative distribution at a uniform draw of their
/// own. A row's token depends on its logits, settings and draw only, never on the other rows of the batch, so batched
/// and one-at-a-time sampling agree exactly.
/// </summary>
internal static class BatchSampler
{
    /// <summary>One row's settings.</summary>
    /// <param name="Temperature">0 for greedy.</param>
    /// <param name="TopK">0 for no limit.</param>
    /// <param name="TopP">1 for no limit.</param>
    /// <param name="MaskEndOfText">Never choose <c>endOfText</c>.</param>
    /// <param name="Uniform">The row's draw in [0, 1) (ignored when greedy).</param>
    /// <param name="Logprobs">-1 for none; else how many top alternatives to report.</param>
    internal readonly record struct Row(double Temperature, int TopK, double TopP, bool MaskEndOfText, double Uniform, int Logprobs);

    /// <summary>Tokens for each row, and the log-probabilities of the rows that asked (null elsewhere).</summary>
    public static (int[] Tokens, TokenLogprobs?[] Logprobs) Sample(Tensor logits, IReadOnlyList<Row> rows, int endOfText)
    {
        using var scope = NewDisposeScope();
        int r = rows.Count;
        Tensor raw = logits.to(ScalarType.Float32);
        long vocabulary = raw.shape[1];
        Device device = raw.device;
        Tensor masked = raw;
        if (rows.Any(x => x.MaskEndOfText))
        {
            masked = raw.clone();
            Tensor maskRows = tensor(rows.Select(x => x.MaskEndOfText).ToArray(), device: device);
            masked.select(1, endOfText).masked_fill_(maskRows, float.NegativeInfinity);
        }
        int[] tokens = Longs(masked.argmax(1));

        int[] sampled = [.. Enumerable.Range(0, r).Where(i => rows[i].Temperature > 0)];
        if (sampled.Length > 0)
        {
            // Rows that filter (top-k or top-p) sample in probability order; the others in vocabulary order.
            int[] filtered = [.. sampled.Where(i => (rows[i].TopK > 0 && rows[i].TopK < vocabulary) || rows[i].TopP < 1)];
            int[] plain = [.. sampled.Where(i => !filtered.Contains(i))];
            if (plain.Length > 0)
            {
                Tensor l = Scaled(masked, plain, rows, device);
                Tensor picked = Invert(nn.functional.softmax(l, 1), plain, rows, device);
                Scatter(tokens, plain, Longs(picked));
            }
            if (filtered.Length > 0)
            {
                Tensor l = Scaled(masked, filtered, rows, device);
                (Tensor sorted, Tensor order) = l.sort(1, descending: true);
                long[] k = [.. filtered.Select(i => rows[i].TopK > 0 ? (long)rows[i].TopK : vocabulary)];
                Tensor rank = arange(vocabulary, device: device).unsqueeze(0);                      // (1, V)
                sorted = sorted.masked_fill(rank.ge(tensor(k, device: device).unsqueeze(1)), float.NegativeInfinity);
                Tensor probs = nn.functional.softmax(sorted, 1);
                Tensor p = tensor(filtered.Select(i => (float)rows[i].TopP).ToArray(), device: device).unsqueeze(1);
                // Keep the smallest prefix whose mass reaches P (the first token always stays).
                probs = probs.masked_fill((probs.cumsum(1) - probs).gt(p), 0);
                Tensor picked = order.gather(1, Invert(probs, filtered, rows, device).unsqueeze(1)).squeeze(1);
                Scatter(tokens, filtered, Longs(picked));
            }
        }

        var logprobs = new TokenLogprobs?[r];
        int[] asking = [.. Enumerable.Range(0, r).Where(i => rows[i].Logprobs >= 0)];
        if (asking.Length > 0)
        {
            Tensor index = tensor(asking.Select(i => (long)i).ToArray(), device: device);
            Tensor lsm = nn.functional.log_softmax(raw.index_select(0, index), 1);                      // (A, V)
            Tensor chosen = lsm.gather(1, tensor(asking.Select(i => (long)tokens[i]).ToArray(), device: device).unsqueeze(1)).squeeze(1);
            int most = asking.Max(i => rows[i].Logprobs);
            float[] chosenValues = chosen.cpu().data<float>().ToArray();
            (Tensor topValues, Tensor topIndices) = most > 0 ? lsm.topk(most, 1) : (empty(0), empty(0));
            float[] values = most > 0 ? topValues.cpu().data<float>().ToArray() : [];
            int[] indices = most > 0 ? Longs(topIndices.reshape(-1)) : [];
            for (int a = 0; a < asking.Length; a++)
            {
                int count = rows[asking[a]].Logprobs;
                logprobs[asking[a]] = new TokenLogprobs(chosenValues[a], indices.AsSpan(a * most, count).ToArray(), values.AsSpan(a * most, count).ToArray());
            }
        }
        return (tokens, logprobs);
    }

    private static Tensor Scaled(Tensor logits, int[] subset, IReadOnlyList<Row> rows, Device device)
    {
        Tensor index = tensor(subset.Select(i => (long)i).ToArray(), device: device);
        Tensor temperature = tensor(subset.Select(i => (float)rows[i].Temperature).ToArray(), device: device).unsqueeze(1);
        return logits.index_select(0, index) / temperature;
    }

    // The first position whose cumulative mass reaches the row's draw × total mass: (S, V) probabilities → (S) indices.
    private static Tensor Invert(Tensor probs, int[] subset, IReadOnlyList<Row> rows, Device device)
    {
        Tensor cdf = probs.cumsum(1);
        Tensor draw = tensor(subset.Select(i => (float)rows[i].Uniform).ToArray(), device: device).unsqueeze(1);
        Tensor target = draw * cdf.narrow(1, cdf.shape[1] - 1, 1);
        return searchsorted(cdf, target, right: true).squeeze(1).clamp_max(cdf.shape[1] - 1);
    }

    private static int[] Longs(Tensor t) => [.. t.to(ScalarType.Int64).cpu().data<long>().ToArray().Select(x => (int)x)];

    private static void Scatter(int[] tokens, int[] rows, int[] values)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            tokens[rows[i]] = values[i];
        }
    }
}
