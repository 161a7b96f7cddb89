using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// Trains a GPT-2 style byte-level BPE tokenizer. The corpus is split into pieces with GPT-2's pattern and the pieces
/// are counted as the corpus is enumerated (it is read once and never held). Starting from the 256 bytes, the most
/// frequent adjacent pair is merged into a new token until the vocabulary is full; ties go to the lowest pair by
/// (left id, right id), so the same corpus always gives the same merges. Pair counts are updated incrementally
/// from an index of the words that contain each pair, so a merge costs time in proportion to the words it touches.
/// </summary>
public static class BpeTrainer
{
    /// <summary>The smallest vocabulary: the 256 bytes and <c>&lt;|endoftext|&gt;</c>.</summary>
    public const int MinVocabularySize = 257;

    /// <summary>The largest vocabulary accepted.</summary>
    public const int MaxVocabularySize = 1 << 20;

    private static readonly Comparer<(long Count, long Pair)> _mostFrequentFirst = Comparer<(long Count, long Pair)>.Create(
        static (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Pair.CompareTo(b.Pair));

    /// <summary>
    /// Learns up to <paramref name="vocabularySize"/> - 257 merges from <paramref name="corpus"/>. Ids: byte b is b,
    /// merge r is 256 + r, and <c>&lt;|endoftext|&gt;</c> is the last id. The vocabulary is smaller than asked when the
    /// corpus runs out of pairs that occur at least <see cref="BpeTrainerOptions.MinPairFrequency"/> times.
    /// </summary>
    /// <param name="corpus">Documents, enumerated once.</param>
    /// <param name="vocabularySize">Requested vocabulary size, <see cref="MinVocabularySize"/> to <see cref="MaxVocabularySize"/>.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <returns>The trained tokenizer, not yet saved (see <see cref="ByteLevelBpeTokenizer.Save"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The vocabulary size or an option is out of range.</exception>
    /// <exception cref="ArgumentException">A document of the corpus is <see langword="null"/>.</exception>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> corpus, int vocabularySize, BpeTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (vocabularySize is < MinVocabularySize or > MaxVocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize,
                $"{nameof(vocabularySize)} must be between {MinVocabularySize} (the 256 bytes and {ByteLevelBpeTokenizer.EndOfTextToken}) and {MaxVocabularySize}");
        }
        options ??= new BpeTrainerOptions();
        if (options.MinPairFrequency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MinPairFrequency, $"{nameof(BpeTrainerOptions.MinPairFrequency)} must be at least 1");
        }

        Dictionary<string, long> pieces = CountPieces(corpus);
        List<(int Left, int Right)> merges = LearnMerges(pieces, vocabularySize - MinVocabularySize, options.MinPairFrequency);
        return new ByteLevelBpeTokenizer(BpeModel.FromTrainedMerges(merges), directory: null);
    }

    /// <summary>How often each GPT-2 piece occurs in <paramref name="corpus"/>.</summary>
    internal static Dictionary<string, long> CountPieces(IEnumerable<string> corpus)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> bySpan = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        Regex pattern = PreTokenizerPatterns.Gpt2();
        long document = 0;
        foreach (string text in corpus)
        {
            if (text is null)
            {
                throw new ArgumentException($"document {document} of the corpus is null", nameof(corpus));
            }
            foreach (ValueMatch match in pattern.EnumerateMatches(text))
            {
                // Looks up by span: a piece seen before allocates nothing.
                CollectionsMarshal.GetValueRefOrAddDefault(bySpan, text.AsSpan(match.Index, match.Length), out _)++;
            }
            document++;
        }
        return counts;
    }

    /// <summary>The merges, in order, that the counted pieces give.</summary>
    internal static List<(int Left, int Right)> LearnMerges(Dictionary<string, long> pieces, int maxMerges, long minPairFrequency)
    {
        // Each distinct piece is a word: its current symbols (merged in place), their count and its frequency.
        // Pieces of one byte hold no pair and take no part.
        var words = new List<int[]>(pieces.Count);
        var frequencies = new List<long>(pieces.Count);
        foreach ((string piece, long frequency) in pieces)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(piece);
            if (bytes.Length >= 2)
            {
                words.Add([.. bytes.Select(b => (int)b)]);
                frequencies.Add(frequency);
            }
        }
        int[] lengths = [.. words.Select(w => w.Length)];

        // counts: pair → occurrences in the corpus. containing: pair → words that contain it, or once did (an entry
        // goes stale when a merge removes the pair from the word; merging skips words without the pair).
        var counts = new Dictionary<long, long>();
        var containing = new Dictionary<long, List<int>>();
        for (int w = 0; w < words.Count; w++)
        {
            AddPairs(counts, words[w], lengths[w], frequencies[w]);
            IndexPairs(containing, words[w], lengths[w], w, newSymbol: -1);
        }

        // The queue holds (count, pair) entries; an entry whose count no longer matches the pair's is skipped, as
        // every change of a count enqueues the new one.
        var queue = new PriorityQueue<long, (long Count, long Pair)>(counts.Count, _mostFrequentFirst);
        foreach ((long pair, long count) in counts)
        {
            queue.Enqueue(pair, (count, pair));
        }

        var merges = new List<(int Left, int Right)>(maxMerges);
        var deltas = new Dictionary<long, long>();
        while (merges.Count < maxMerges && queue.TryDequeue(out long pair, out (long Count, long Pair) entry))
        {
            if (!counts.TryGetValue(pair, out long count) || count != entry.Count)
            {
                continue;
            }
            if (count < minPairFrequency)
            {
                break;
            }
            int left = (int)(pair >> 32);
            int right = (int)(uint)pair;
            int merged = 256 + merges.Count;
            merges.Add((left, right));

            deltas.Clear();
            foreach (int w in containing[pair])
            {
                // A stale entry, or a repeat of a word already merged: the pair is gone from it.
                int[] symbols = words[w];
                int before = lengths[w];
                if (!ContainsPair(symbols, before, left, right))
                {
                    continue;
                }
                AddPairs(deltas, symbols, before, -frequencies[w]);
                int after = BpeModel.MergeAll(symbols, before, left, right, merged);
                lengths[w] = after;
                AddPairs(deltas, symbols, after, frequencies[w]);
                IndexPairs(containing, symbols, after, w, merged);
            }
            containing.Remove(pair);

            foreach ((long changed, long delta) in deltas)
            {
                if (delta == 0)
                {
                    continue;
                }
                long updated = counts.GetValueOrDefault(changed) + delta;
                Debug.Assert(updated >= 0, "a pair count went negative");
                if (updated == 0)
                {
                    counts.Remove(changed);
                    containing.Remove(changed);
                }
                else
                {
                    counts[changed] = updated;
                    queue.Enqueue(changed, (updated, changed));
                }
            }
            Debug.Assert(!counts.ContainsKey(pair), "a merged pair survived its merge");
        }
        return merges;
    }

    private static bool ContainsPair(int[] symbols, int length, int left, int right)
    {
        for (int i = 0; i + 1 < length; i++)
        {
            if (symbols[i] == left && symbols[i + 1] == right)
            {
                return true;
            }
        }
        return false;
    }

    private static void AddPairs(Dictionary<long, long> counts, int[] symbols, int length, long frequency)
    {
        for (int i = 0; i + 1 < length; i++)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(counts, BpeModel.PairKey(symbols[i], symbols[i + 1]), out _) += frequency;
        }
    }

    // Records word w under each of its pairs (only those with newSymbol when it is not -1).
    private static void IndexPairs(Dictionary<long, List<int>> containing, int[] symbols, int length, int w, int newSymbol)
    {
        for (int i = 0; i + 1 < length; i++)
        {
            if (newSymbol >= 0 && symbols[i] != newSymbol && symbols[i + 1] != newSymbol)
            {
                continue;
            }
            ref List<int>? list = ref CollectionsMarshal.GetValueRefOrAddDefault(containing, BpeModel.PairKey(symbols[i], symbols[i + 1]), out _);
            list ??= [];
            // A word's pairs are indexed together, so a repeat of the same word is the last entry.
            if (list.Count == 0 || list[^1] != w)
            {
                list.Add(w);
            }
        }
    }
}
