using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// The core of a byte-level BPE tokenizer: the id of each byte, the ranked merges and the bytes of each id (all
/// immutable), and a bounded cache of encoded pieces shared by all threads.
/// </summary>
internal sealed class BpeModel
{
    /// <summary>Default number of pieces the encoder cache holds before it starts over.</summary>
    public const int DefaultCacheCapacity = 1 << 16;

    /// <summary>Longer pieces are rare (long runs of spaces or digits) and are not cached.</summary>
    public const int MaxCachedPieceLength = 64;

    /// <summary>Pieces of up to this many bytes are merged by scanning; longer ones through a queue.</summary>
    public const int ScanningLimit = 64;

    private readonly int[] _byteToId;
    private readonly Dictionary<long, (int Rank, int Result)> _ranks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private readonly int _cacheCapacity;
    private int _cacheAdds; // approximate entry count: ConcurrentDictionary.Count takes every lock

    public BpeModel(int[] byteToId, BpeMerge[] merges, TokenByteTable tokens, int endOfTextId, int cacheCapacity = DefaultCacheCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(byteToId.Length, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(cacheCapacity, 1);
        _byteToId = byteToId;
        Merges = Array.AsReadOnly(merges);
        Tokens = tokens;
        EndOfTextId = endOfTextId;
        _cacheCapacity = cacheCapacity;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _ranks = new Dictionary<long, (int, int)>(merges.Length);
        for (int rank = 0; rank < merges.Length; rank++)
        {
            BpeMerge merge = merges[rank];
            if (!_ranks.TryAdd(PairKey(merge.Left, merge.Right), (rank, merge.Result)))
            {
                throw new ArgumentException($"merge {rank} ({merge.Left}, {merge.Right}) appears twice", nameof(merges));
            }
        }
    }

    /// <summary>The merges in rank order.</summary>
    public IReadOnlyList<BpeMerge> Merges { get; }

    /// <summary>The bytes of every id.</summary>
    public TokenByteTable Tokens { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>.</summary>
    public int EndOfTextId { get; }

    /// <summary>The id of the token of byte <paramref name="value"/>.</summary>
    public int ByteId(byte value) => _byteToId[value];

    /// <summary>Number of pieces in the encoder cache (for tests).</summary>
    internal int CachedPieces => _cache.Count;

    /// <summary>The key of pair (<paramref name="left"/>, <paramref name="right"/>); keys order as the pairs do.</summary>
    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>
    /// A model whose ids are the ones <see cref="BpeTrainer"/> assigns: byte b is id b, merge r is id 256 + r, and
    /// <c>&lt;|endoftext|&gt;</c> comes last.
    /// </summary>
    public static BpeModel FromTrainedMerges(IReadOnlyList<(int Left, int Right)> pairs, int cacheCapacity = DefaultCacheCapacity)
    {
        var tokens = new byte[]?[256 + pairs.Count + 1];
        for (int b = 0; b < 256; b++)
        {
            tokens[b] = [(byte)b];
        }
        var merges = new BpeMerge[pairs.Count];
        for (int rank = 0; rank < pairs.Count; rank++)
        {
            (int left, int right) = pairs[rank];
            int result = 256 + rank;
            merges[rank] = new BpeMerge(left, right, result);
            tokens[result] = [.. tokens[left]!, .. tokens[right]!];
        }
        int endOfText = 256 + pairs.Count;
        tokens[endOfText] = Encoding.UTF8.GetBytes(ByteLevelBpeTokenizer.EndOfTextToken);
        return new BpeModel([.. Enumerable.Range(0, 256)], merges, new TokenByteTable(tokens), endOfText, cacheCapacity);
    }

    /// <summary>Encodes <paramref name="text"/>: GPT-2 pieces, each through the merges.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length / 3 + 1);
        Regex pattern = PreTokenizerPatterns.Gpt2();
        foreach (ValueMatch match in pattern.EnumerateMatches(text))
        {
            ids.AddRange(EncodePieceCached(text.AsSpan(match.Index, match.Length)));
        }
        return [.. ids];
    }

    private int[] EncodePieceCached(ReadOnlySpan<char> piece)
    {
        if (piece.Length > MaxCachedPieceLength)
        {
            return EncodePiece(piece);
        }
        if (_cacheLookup.TryGetValue(piece, out int[]? cached))
        {
            return cached;
        }
        int[] ids = EncodePiece(piece);
        // Starting over when full bounds the memory (to the capacity plus one entry per racing thread) and keeps
        // the cache fit to the text now being encoded.
        if (Volatile.Read(ref _cacheAdds) >= _cacheCapacity)
        {
            _cache.Clear();
            Volatile.Write(ref _cacheAdds, 0);
        }
        if (_cacheLookup.TryAdd(piece, ids))
        {
            Interlocked.Increment(ref _cacheAdds);
        }
        return ids;
    }

    /// <summary>
    /// GPT-2's <c>bpe()</c>: start from the piece's bytes and repeatedly merge every occurrence (left to right) of
    /// the adjacent pair with the lowest rank, until no adjacent pair has a merge.
    /// </summary>
    internal int[] EncodePiece(ReadOnlySpan<char> piece)
    {
        int[] symbols = ToByteIds(piece);
        int count = symbols.Length <= ScanningLimit ? MergeByScanning(symbols) : MergeWithQueue(symbols);
        return count == symbols.Length ? symbols : symbols[..count];
    }

    /// <summary>The ids of the UTF-8 bytes of <paramref name="piece"/>.</summary>
    internal int[] ToByteIds(ReadOnlySpan<char> piece)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rented = null;
        Span<byte> bytes = maxBytes <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        int count = Encoding.UTF8.GetBytes(piece, bytes);
        var symbols = new int[count];
        for (int i = 0; i < count; i++)
        {
            symbols[i] = _byteToId[bytes[i]];
        }
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return symbols;
    }

    /// <summary>
    /// The reference algorithm, in place: scan for the lowest-ranked pair, merge all its occurrences, repeat.
    /// O(length × merges applied), the fastest for the short pieces of ordinary text. Returns the new length.
    /// </summary>
    internal int MergeByScanning(int[] symbols)
    {
        int count = symbols.Length;
        while (count > 1)
        {
            int bestRank = int.MaxValue;
            int left = 0, right = 0, result = 0;
            for (int i = 0; i + 1 < count; i++)
            {
                if (_ranks.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out (int Rank, int Result) merge) && merge.Rank < bestRank)
                {
                    (bestRank, left, right, result) = (merge.Rank, symbols[i], symbols[i + 1], merge.Result);
                }
            }
            if (bestRank == int.MaxValue)
            {
                break;
            }
            count = MergeAll(symbols, count, left, right, result);
        }
        return count;
    }

    /// <summary>
    /// The same merges in O(length × log length), for long pieces (a paragraph of CJK or a run of letters is one
    /// piece, where scanning takes seconds). Symbols form a linked list; a queue holds (rank, position) of every
    /// pair with a merge. Each round takes all entries of the lowest rank, which are every occurrence of that pair,
    /// and merges them left to right, skipping those an earlier merge of the round consumed; pairs that a merge
    /// creates are queued for later rounds, exactly as rescanning would find them. Returns the new length.
    /// </summary>
    internal int MergeWithQueue(int[] symbols)
    {
        int count = symbols.Length;
        var next = new int[count];
        var previous = new int[count];
        for (int i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
        }
        var queue = new PriorityQueue<int, (int Rank, int Position)>();
        for (int i = 0; i + 1 < count; i++)
        {
            Enqueue(i);
        }

        var round = new List<int>();
        while (queue.TryPeek(out _, out (int Rank, int Position) lowest))
        {
            round.Clear();
            while (queue.TryPeek(out int position, out (int Rank, int Position) entry) && entry.Rank == lowest.Rank)
            {
                queue.Dequeue();
                round.Add(position);
            }
            BpeMerge merge = Merges[lowest.Rank];
            foreach (int i in round)
            {
                int j = next[i];
                // Consumed by the previous merge of this round (i is gone or its pair changed).
                if (symbols[i] < 0 || j < 0 || symbols[i] != merge.Left || symbols[j] != merge.Right)
                {
                    continue;
                }
                symbols[i] = merge.Result;
                symbols[j] = -1;
                next[i] = next[j];
                if (next[j] >= 0)
                {
                    previous[next[j]] = i;
                }
                if (previous[i] >= 0)
                {
                    Enqueue(previous[i]);
                }
                Enqueue(i);
            }
        }

        int length = 0;
        for (int i = 0; i >= 0; i = next[i])
        {
            symbols[length++] = symbols[i];
        }
        return length;

        void Enqueue(int i)
        {
            int j = next[i];
            if (j >= 0 && _ranks.TryGetValue(PairKey(symbols[i], symbols[j]), out (int Rank, int Result) pair))
            {
                queue.Enqueue(i, (pair.Rank, i));
            }
        }
    }

    /// <summary>Replaces every occurrence of (<paramref name="left"/>, <paramref name="right"/>), left to right, in place; returns the new length.</summary>
    internal static int MergeAll(int[] symbols, int count, int left, int right, int result)
    {
        int write = 0;
        for (int read = 0; read < count;)
        {
            if (read + 1 < count && symbols[read] == left && symbols[read + 1] == right)
            {
                symbols[write++] = result;
                read += 2;
            }
            else
            {
                symbols[write++] = symbols[read++];
            }
        }
        return write;
    }
}
