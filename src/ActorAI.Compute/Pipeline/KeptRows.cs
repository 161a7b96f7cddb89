namespace ActorAI.Compute.Pipeline;

/// <summary>
/// What entered one pipeline stage at each pool row (a token id, or the C floats of the residual stream), kept by the
/// coordinator so that a stage that lost its KV cache can be rebuilt. Grows to the highest row written. Not thread-safe.
/// </summary>
internal sealed class KeptRows<T>(int width) where T : unmanaged
{
    private T[] _data = [];

    public int Width { get; } = width;

    public void Write(long row, ReadOnlySpan<T> values)
    {
        long end = (row + 1) * Width;
        if (end > _data.LongLength)
        {
            Array.Resize(ref _data, (int)Math.Max(end, Math.Min(Array.MaxLength, _data.LongLength * 2)));
        }
        values.CopyTo(_data.AsSpan((int)(row * Width), Width));
    }

    /// <summary>Writes rows[i] ← values[i × Width ..] for every i.</summary>
    public void Write(long[] rows, ReadOnlySpan<T> values)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            Write(rows[i], values.Slice(i * Width, Width));
        }
    }

    /// <summary>The values of <paramref name="rows"/>, concatenated.</summary>
    public T[] Gather(IReadOnlyList<long> rows)
    {
        var result = new T[rows.Count * Width];
        for (int i = 0; i < rows.Count; i++)
        {
            long at = rows[i] * Width;
            if (at + Width > _data.LongLength)
            {
                throw new InvalidOperationException($"row {rows[i]} was never kept");
            }
            _data.AsSpan((int)at, Width).CopyTo(result.AsSpan(i * Width, Width));
        }
        return result;
    }

    /// <summary>Copy on write: the first <paramref name="positions"/> rows of block <paramref name="from"/> to block <paramref name="to"/>.</summary>
    public void CopyBlock(int from, int to, int positions, int blockSize)
    {
        long source = (long)from * blockSize * Width, target = (long)to * blockSize * Width, count = (long)positions * Width;
        if (source + count > _data.LongLength)
        {
            return; // nothing kept there (the stage never saw that block)
        }
        if (target + count > _data.LongLength)
        {
            Write(((long)to * blockSize) + positions - 1, new T[Width]);
        }
        Array.Copy(_data, source, _data, target, count);
    }
}
