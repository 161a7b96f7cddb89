using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Models;

/// <summary>
/// Keys and values of past positions for a set of sequences decoded together. Each sequence owns a slot; active
/// sequences always occupy slots 0..Count-1, so a decode step attends over a narrow view of the cache with no copy.
/// When a sequence leaves, the last one moves into its slot (one sequence's copy). Sequences may have different
/// lengths; attention masks each slot to its own length.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;   // per layer: (capacity, nh, maxLength, hs)
    private readonly Tensor[] _values;
    private readonly int[] _lengths;

    /// <summary>Allocates a cache for up to <paramref name="capacity"/> sequences of up to <paramref name="maxLength"/> positions.</summary>
    public KvCache(GptConfig config, int capacity, int maxLength, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, config.ContextLength);
        Capacity = capacity;
        MaxLength = maxLength;
        _lengths = new int[capacity];
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            _keys[layer] = zeros([capacity, config.Heads, maxLength, config.HeadSize], dtype, device);
            _values[layer] = zeros([capacity, config.Heads, maxLength, config.HeadSize], dtype, device);
        }
    }

    /// <summary>Slots available.</summary>
    public int Capacity { get; }

    /// <summary>Longest sequence a slot holds.</summary>
    public int MaxLength { get; }

    /// <summary>Active sequences (slots 0..Count-1).</summary>
    public int Count { get; private set; }

    /// <summary>Positions cached for <paramref name="slot"/>.</summary>
    public int Length(int slot) => _lengths[CheckSlot(slot)];

    /// <summary>Claims the next free slot, empty.</summary>
    /// <exception cref="InvalidOperationException">All slots are in use.</exception>
    public int Add()
    {
        if (Count == Capacity)
        {
            throw new InvalidOperationException($"the KV cache is full ({Capacity} sequences)");
        }
        _lengths[Count] = 0;
        return Count++;
    }

    /// <summary>
    /// Frees <paramref name="slot"/>. The last active sequence moves into it; returns that sequence's former slot, or
    /// -1 when the freed slot was the last one.
    /// </summary>
    public int RemoveAt(int slot)
    {
        CheckSlot(slot);
        int last = Count - 1;
        Count--;
        if (slot == last)
        {
            return -1;
        }
        using (NewDisposeScope())
        {
            int length = _lengths[last];
            for (int layer = 0; layer < _keys.Length; layer++)
            {
                _keys[layer][slot, .., ..length].copy_(_keys[layer][last, .., ..length]);
                _values[layer][slot, .., ..length].copy_(_values[layer][last, .., ..length]);
            }
        }
        _lengths[slot] = _lengths[last];
        return last;
    }

    /// <summary>Stores the keys and values of a whole prompt (1, nh, P, hs) at positions 0..P-1 of <paramref name="slot"/>.</summary>
    internal void WritePrompt(int layer, int slot, Tensor k, Tensor v)
    {
        long p = k.shape[2];
        if (p > MaxLength)
        {
            throw new ArgumentException($"a prompt of {p} tokens does not fit the cache's {MaxLength} positions");
        }
        _keys[layer][slot, .., ..(int)p].copy_(k[0]);
        _values[layer][slot, .., ..(int)p].copy_(v[0]);
    }

    /// <summary>
    /// Prepares a decode step for the active slots: their current lengths (the positions the new tokens take), the
    /// attended length L (the longest slot after the step) and, when slots differ in length, the boolean mask
    /// (Count, 1, 1, L) of the positions each slot may see. Computed once per step and shared by every layer.
    /// </summary>
    internal DecodeStep BeginDecode(Device device)
    {
        long[] lengths = new long[Count];
        bool ragged = false;
        for (int slot = 0; slot < Count; slot++)
        {
            lengths[slot] = _lengths[slot];
            ragged |= _lengths[slot] != _lengths[0];
        }
        int attended = (int)lengths.Max() + 1;
        if (attended > MaxLength)
        {
            throw new InvalidOperationException($"a sequence would exceed the cache's {MaxLength} positions");
        }
        Tensor positions = tensor(lengths, device: device);
        Tensor? mask = ragged
            ? arange(attended, device: device).unsqueeze(0).le(positions.unsqueeze(1)).view(Count, 1, 1, attended)
            : null;
        return new DecodeStep(positions, attended, mask);
    }

    /// <summary>
    /// Appends one position per active slot — k and v are (Count, nh, 1, hs) — and returns the keys and values
    /// (Count, nh, L, hs) the new positions attend over.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v, DecodeStep step)
    {
        int count = (int)k.shape[0];
        Tensor keys = _keys[layer].narrow(0, 0, count);
        Tensor values = _values[layer].narrow(0, 0, count);
        if (step.Mask is null)
        {
            // All slots have the same length: one contiguous write.
            int position = step.Attended - 1;
            keys.narrow(2, position, 1).copy_(k);
            values.narrow(2, position, 1).copy_(v);
        }
        else
        {
            Tensor index = step.Positions.view(count, 1, 1, 1).expand(count, k.shape[1], 1, k.shape[3]);
            keys.scatter_(2, index, k);
            values.scatter_(2, index, v);
        }
        return (keys.narrow(2, 0, step.Attended), values.narrow(2, 0, step.Attended));
    }

    /// <summary>Records that every active slot gained <paramref name="positions"/> positions.</summary>
    internal void Advance(int slot, int positions)
    {
        CheckSlot(slot);
        if (_lengths[slot] + positions > MaxLength)
        {
            throw new InvalidOperationException($"slot {slot} would exceed the cache's {MaxLength} positions");
        }
        _lengths[slot] += positions;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _keys.Concat(_values))
        {
            t.Dispose();
        }
    }

    private int CheckSlot(int slot) => slot >= 0 && slot < Count
        ? slot
        : throw new ArgumentOutOfRangeException(nameof(slot), $"slot {slot} is not active (0..{Count - 1})");
}

/// <summary>What every layer of one decode step shares: new positions (Count), attended length, mask (null when not ragged).</summary>
internal sealed record DecodeStep(Tensor Positions, int Attended, Tensor? Mask);
