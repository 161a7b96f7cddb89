using System.Runtime.InteropServices;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// The token ids that mark the start of a chat turn, one per role. <see cref="ITextTokenizer.Encode"/> never produces
/// them, so no message content can forge a turn, and decoding gives no text for them.
/// </summary>
/// <remarks>
/// Every tokenizer here is byte-level: each of the 256 bytes has a token. Bytes <c>0xF8</c>, <c>0xF9</c> and
/// <c>0xFA</c> never occur in UTF-8 (lead bytes stop at <c>0xF4</c>), and .NET's encoder turns a lone surrogate into
/// U+FFFD, so the tokens of those three bytes mark the roles without enlarging the vocabulary: models trained before
/// the roles existed keep their shape.
/// </remarks>
/// <param name="System">The id that starts a system turn.</param>
/// <param name="User">The id that starts a user turn.</param>
/// <param name="Assistant">The id that starts an assistant turn.</param>
public sealed record ChatRoleTokens(int System, int User, int Assistant)
{
    /// <summary>The role names, as OpenAI spells them.</summary>
    public const string SystemRole = "system", UserRole = "user", AssistantRole = "assistant";

    /// <summary>The bytes whose tokens mark the system, user and assistant roles in a byte-level vocabulary.</summary>
    public const byte SystemByte = 0xF8, UserByte = 0xF9, AssistantByte = 0xFA;

    /// <summary>The three ids.</summary>
    public IReadOnlyList<int> All => [System, User, Assistant];

    /// <summary>The id that starts a turn of <paramref name="role"/>, or <see langword="null"/> for an unknown role.</summary>
    public int? IdOf(string role) => role switch
    {
        SystemRole => System,
        UserRole => User,
        AssistantRole => Assistant,
        _ => null,
    };

    /// <summary>Whether <paramref name="id"/> is one of the three.</summary>
    public bool Contains(int id) => id == System || id == User || id == Assistant;

    /// <summary>The roles of a byte-level vocabulary, given the id of each byte's token.</summary>
    internal static ChatRoleTokens ForBytes(Func<byte, int> idOfByte) =>
        new(idOfByte(SystemByte), idOfByte(UserByte), idOfByte(AssistantByte));

    /// <summary>
    /// The bytes of <paramref name="ids"/> with the role tokens left out: a role token is a turn boundary, not text.
    /// </summary>
    internal byte[] Concatenate(ReadOnlySpan<int> ids, Func<ReadOnlySpan<int>, byte[]> decode)
    {
        if (ids.IndexOfAny(System, User, Assistant) < 0)
        {
            return decode(ids);
        }
        var text = new List<int>(ids.Length);
        foreach (int id in ids)
        {
            if (!Contains(id))
            {
                text.Add(id);
            }
        }
        return decode(CollectionsMarshal.AsSpan(text));
    }
}
