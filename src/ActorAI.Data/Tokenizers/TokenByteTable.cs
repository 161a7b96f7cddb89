namespace ActorAI.Data.Tokenizers;

/// <summary>
/// The UTF-8 bytes of every token id, packed into one array. Ids without a token (gaps in a vocabulary) have no
/// bytes; no real token is empty, so an empty entry means "not a token".
/// </summary>
internal sealed class TokenByteTable
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets; // _offsets[id].._offsets[id + 1] are the bytes of id

    /// <summary>Packs <paramref name="tokens"/> (indexed by id; <see langword="null"/> for a gap).</summary>
    public TokenByteTable(IReadOnlyList<byte[]?> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _offsets = new int[tokens.Count + 1];
        long total = 0;
        for (int id = 0; id < tokens.Count; id++)
        {
            total += tokens[id]?.Length ?? 0;
        }
        _bytes = new byte[checked((int)total)];
        int offset = 0;
        for (int id = 0; id < tokens.Count; id++)
        {
            _offsets[id] = offset;
            if (tokens[id] is { } token)
            {
                token.CopyTo(_bytes, offset);
                offset += token.Length;
            }
        }
        _offsets[tokens.Count] = offset;
    }

    /// <summary>Number of ids (including gaps).</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>Whether <paramref name="id"/> names a token.</summary>
    public bool Contains(int id) => (uint)id < (uint)Count && _offsets[id + 1] > _offsets[id];

    /// <summary>The bytes of <paramref name="id"/> (empty for a gap).</summary>
    public ReadOnlySpan<byte> this[int id] => _bytes.AsSpan(_offsets[id], _offsets[id + 1] - _offsets[id]);

    /// <summary>Concatenates the bytes of <paramref name="ids"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id names no token of <paramref name="tokenizer"/>.</exception>
    public byte[] Concatenate(ReadOnlySpan<int> ids, string tokenizer)
    {
        long total = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (!Contains(id))
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} at position {i} is not in the vocabulary of {tokenizer} (size {Count})");
            }
            total += _offsets[id + 1] - _offsets[id];
        }
        var result = new byte[checked((int)total)];
        int written = 0;
        foreach (int id in ids)
        {
            ReadOnlySpan<byte> token = this[id];
            token.CopyTo(result.AsSpan(written));
            written += token.Length;
        }
        return result;
    }
}
