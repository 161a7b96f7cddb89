using System.Buffers.Binary;
using System.Security.Cryptography;
using ActorAI.Compute.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Models;

/// <summary>
/// Keys and values of past positions in fixed-size blocks, as vLLM's paged attention: each sequence owns a block table
/// (a list of block ids), so memory follows the tokens alive rather than a batch × context preallocation. The block pool
/// grows (by doubling, up to the budget) only when the blocks in use, and the cached prefixes kept beside them, need it:
/// without prefix caching memory follows the live tokens alone.
/// <para>
/// Full blocks may be registered under the hash of their token chain (the salt, every earlier token and their own):
/// a later prompt with the same salt and prefix reuses them (automatic prefix caching). A block whose last user leaves
/// stays cached until its space is needed, least recently used first.
/// </para>
/// <para>
/// A cache built by <see cref="AllocationOnly"/> holds no tensors: it keeps the block tables' bookkeeping for a pipeline's
/// coordinator, whose stages hold the keys and values (<see cref="ForLayers"/>); its block copies are recorded for the
/// stages to apply (<see cref="TakeCopies"/>).
/// </para>
/// Not thread-safe: one generator owns it.
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly int _layers;
    private readonly int _heads;
    private readonly int _headSize;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly Tensor[] _keys;   // per layer: (allocated × blockSize, nh, hs); row = block × blockSize + offset
    private readonly Tensor[] _values;
    private readonly int[] _references;
    private readonly UInt128[] _hashes;  // a registered block's chain hash
    private readonly bool[] _registered;
    private readonly Stack<int> _free = new();
    private readonly Dictionary<UInt128, int> _cached = [];
    private readonly LinkedList<int> _evictable = new(); // cached blocks nobody uses, least recently used first
    private readonly LinkedListNode<int>?[] _evictableNodes;
    private int _allocated;   // blocks the tensors hold
    private int _fresh;       // blocks ever handed out (ids 0.._fresh-1)
    private int _inUse;
    private readonly List<BlockCopy> _copies = []; // allocation-only: copies not yet taken by the pipeline

    /// <summary>A cache of at most <paramref name="maxBlocks"/> blocks of <paramref name="blockSize"/> positions.</summary>
    public PagedKvCache(GptConfig config, int blockSize, int maxBlocks, Device device, ScalarType dtype = ScalarType.Float32)
        : this(config?.Layers ?? throw new ArgumentNullException(nameof(config)), config, blockSize, maxBlocks, device, dtype)
    {
    }

    private PagedKvCache(int layers, GptConfig? config, int blockSize, int maxBlocks, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocks, 1);
        BlockSize = blockSize;
        MaxBlocks = maxBlocks;
        _layers = layers;
        _heads = config?.Heads ?? 0;
        _headSize = config?.HeadSize ?? 0;
        _device = device;
        _dtype = dtype;
        _keys = new Tensor[_layers];
        _values = new Tensor[_layers];
        _references = new int[maxBlocks];
        _hashes = new UInt128[maxBlocks];
        _registered = new bool[maxBlocks];
        _evictableNodes = new LinkedListNode<int>?[maxBlocks];
        Grow(Math.Min(maxBlocks, 16));
    }

    /// <summary>
    /// The keys and values of <paramref name="layers"/> blocks of a model of <paramref name="config"/> (a pipeline stage's
    /// share): the stage's blocks are its coordinator's block ids, so the pool grows to the highest one used
    /// (<see cref="EnsureBlocks"/>).
    /// </summary>
    public static PagedKvCache ForLayers(GptConfig config, int layers, int blockSize, int maxBlocks, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layers, config.Layers);
        return new PagedKvCache(layers, config, blockSize, maxBlocks, device, dtype);
    }

    /// <summary>Block tables without keys or values (a pipeline's coordinator): <see cref="AllocatedBytes"/> is 0.</summary>
    public static PagedKvCache AllocationOnly(int blockSize, int maxBlocks) =>
        new(0, null, blockSize, maxBlocks, CPU, ScalarType.Float32);

    /// <summary>Whether this cache holds keys and values (false: allocation only).</summary>
    public bool HoldsTensors => _layers > 0;

    /// <summary>Positions per block.</summary>
    public int BlockSize { get; }

    /// <summary>The budget in blocks.</summary>
    public int MaxBlocks { get; }

    /// <summary>Blocks some sequence uses.</summary>
    public int UsedBlocks => _inUse;

    /// <summary>Blocks the pool's tensors hold now (grows with use, never past <see cref="MaxBlocks"/>).</summary>
    public int AllocatedBlocks => _allocated;

    /// <summary>Cached blocks nobody uses (reusable by a prefix hit, or evicted when space is needed).</summary>
    public int EvictableBlocks => _evictable.Count;

    /// <summary>Blocks an allocation can still get: never used, freed, or cached but unused.</summary>
    public int AvailableBlocks => MaxBlocks - _inUse;

    /// <summary>Bytes the pool's tensors hold.</summary>
    public long AllocatedBytes => _layers == 0 ? 0 : 2L * _layers * _allocated * BlockSize * _heads * _headSize * _keys[0].element_size();

    /// <summary>Blocks needed for <paramref name="positions"/> positions.</summary>
    public int BlocksFor(int positions) => (positions + BlockSize - 1) / BlockSize;

    /// <summary>Takes <paramref name="count"/> empty blocks; false (and nothing taken) when fewer are available.</summary>
    public bool TryAllocate(int count, List<int> into)
    {
        if (count > AvailableBlocks)
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            into.Add(AllocateOne());
        }
        return true;
    }

    /// <summary>Gives back one reference to each block; a block nobody uses becomes free, or evictable when registered.</summary>
    public void Release(IEnumerable<int> blocks)
    {
        // Last block first: the free stack then hands a run of blocks out in its original order, so a sequence that
        // gets them back can often read its keys in place.
        foreach (int block in blocks.Reverse())
        {
            if (_references[block] <= 0)
            {
                throw new InvalidOperationException($"block {block} is not in use");
            }
            if (--_references[block] > 0)
            {
                continue;
            }
            _inUse--;
            if (_registered[block])
            {
                _evictableNodes[block] = _evictable.AddLast(block);
            }
            else
            {
                _free.Push(block);
            }
        }
    }

    /// <summary>Adds a reference to a block in use (a fork shares it).</summary>
    public void Share(int block)
    {
        if (_references[block] <= 0)
        {
            throw new InvalidOperationException($"block {block} is not in use");
        }
        _references[block]++;
    }

    /// <summary>The cached block registered under <paramref name="hash"/>, now referenced by the caller; null on a miss.</summary>
    public int? TryReuse(UInt128 hash)
    {
        if (!_cached.TryGetValue(hash, out int block))
        {
            return null;
        }
        if (_references[block]++ == 0)
        {
            _inUse++;
            _evictable.Remove(_evictableNodes[block]!);
            _evictableNodes[block] = null;
        }
        return block;
    }

    /// <summary>Registers a full block under its chain hash (unless another block already holds that chain).</summary>
    public void Register(int block, UInt128 hash)
    {
        if (_registered[block] || !_cached.TryAdd(hash, block))
        {
            return;
        }
        _registered[block] = true;
        _hashes[block] = hash;
    }

    /// <summary>
    /// Drops every cached block nobody uses from the prefix cache (they become free): a pipeline stage lost their keys
    /// and values, and they are not replayed. Returns how many were dropped.
    /// </summary>
    public int DropCached()
    {
        int dropped = 0;
        while (_evictable.First is { } node)
        {
            int block = node.Value;
            _evictable.RemoveFirst();
            _evictableNodes[block] = null;
            _cached.Remove(_hashes[block]);
            _registered[block] = false;
            _free.Push(block);
            dropped++;
        }
        return dropped;
    }

    /// <summary>Grows the pool to hold at least <paramref name="blocks"/> blocks (by doubling, up to the budget).</summary>
    public void EnsureBlocks(int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks, MaxBlocks);
        if (blocks > _allocated)
        {
            Grow(Math.Min(MaxBlocks, Math.Max(blocks, _allocated * 2)));
        }
    }

    /// <summary>The block copies made since the last call (allocation only), oldest first.</summary>
    internal BlockCopy[] TakeCopies()
    {
        BlockCopy[] copies = [.. _copies];
        _copies.Clear();
        return copies;
    }

    /// <summary>
    /// Copies the first <paramref name="positions"/> positions of block <paramref name="from"/> into <paramref name="to"/>
    /// (copy on write); allocation only: records the copy for the stages.
    /// </summary>
    public void CopyBlock(int from, int to, int positions)
    {
        if (_layers == 0)
        {
            _copies.Add(new BlockCopy(from, to, positions));
            return;
        }
        using var scope = NewDisposeScope();
        for (int layer = 0; layer < _layers; layer++)
        {
            _keys[layer].narrow(0, (long)to * BlockSize, positions).copy_(_keys[layer].narrow(0, (long)from * BlockSize, positions));
            _values[layer].narrow(0, (long)to * BlockSize, positions).copy_(_values[layer].narrow(0, (long)from * BlockSize, positions));
        }
    }

    /// <summary>Writes k and v (N, nh, hs) at the pool rows <paramref name="rows"/> (N).</summary>
    internal void Write(int layer, Tensor rows, Tensor k, Tensor v)
    {
        _keys[layer].index_copy_(0, rows, k);
        _values[layer].index_copy_(0, rows, v);
    }

    /// <summary>
    /// The keys and values of blocks <paramref name="blocks"/> (S, B) as (S, B × blockSize, nh, hs) each: one copy per
    /// block, not per position.
    /// </summary>
    internal (Tensor Keys, Tensor Values) GatherBlocks(int layer, Tensor blocks)
    {
        long rows = blocks.shape[0], width = blocks.shape[1] * BlockSize;
        Tensor flat = blocks.view(-1);
        Tensor Take(Tensor pool) => pool.view(_allocated, -1).index_select(0, flat).view(rows, width, _heads, _headSize);
        return (Take(_keys[layer]), Take(_values[layer]));
    }

    /// <summary>Pool rows <paramref name="first"/>..+<paramref name="count"/> as views (no copy): (count, nh, hs) each.</summary>
    internal (Tensor Keys, Tensor Values) Rows(int layer, long first, long count) =>
        (_keys[layer].narrow(0, first, count), _values[layer].narrow(0, first, count));

    /// <summary>The chain hash of a block of <paramref name="tokens"/> after the block hashed <paramref name="parent"/>.</summary>
    public static UInt128 ChainHash(UInt128 parent, ReadOnlySpan<int> tokens)
    {
        Span<byte> buffer = stackalloc byte[16 + (4 * 256)];
        Span<byte> data = tokens.Length <= 256 ? buffer[..(16 + (4 * tokens.Length))] : new byte[16 + (4 * tokens.Length)];
        BinaryPrimitives.WriteUInt128LittleEndian(data, parent);
        for (int i = 0; i < tokens.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data[(16 + (4 * i))..], tokens[i]);
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    /// <summary>The hash a chain starts from for <paramref name="salt"/>: chains of different salts never meet.</summary>
    public static UInt128 RootHash(string? salt)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(salt is null ? "actorai-kv\0" : "actorai-kv\u0001" + salt), digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _keys.Concat(_values))
        {
            t?.Dispose();
        }
    }

    private int AllocateOne()
    {
        int block;
        if (_free.Count > 0)
        {
            block = _free.Pop();
        }
        else if (_fresh < _allocated)
        {
            block = _fresh++;
        }
        else if (_allocated < MaxBlocks)
        {
            // Grow before evicting: cached prefixes keep their value as long as the budget allows.
            Grow(Math.Min(MaxBlocks, Math.Max(_allocated * 2, _allocated + 1)));
            block = _fresh++;
        }
        else
        {
            // The pool is at its budget: reuse the least recently used cached block (AvailableBlocks counted it).
            block = _evictable.First!.Value;
            _evictable.RemoveFirst();
            _evictableNodes[block] = null;
            _cached.Remove(_hashes[block]);
            _registered[block] = false;
        }
        _references[block] = 1;
        _inUse++;
        return block;
    }

    private void Grow(int blocks)
    {
        using var scope = NewDisposeScope();
        for (int layer = 0; layer < _layers; layer++)
        {
            _keys[layer] = Grown(_keys[layer], blocks);
            _values[layer] = Grown(_values[layer], blocks);
        }
        _allocated = blocks;
    }

    private Tensor Grown(Tensor? old, int blocks)
    {
        // Zeros, not empty: padded attention reads masked rows, and 0 × NaN from uninitialised memory would poison the output.
        Tensor grown = zeros([(long)blocks * BlockSize, _heads, _headSize], _dtype, _device);
        if (old is not null)
        {
            grown.narrow(0, 0, old.shape[0]).copy_(old);
            old.Dispose();
        }
        return grown.DetachFromDisposeScope();
    }
}
