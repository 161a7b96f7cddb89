using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// OpenAI's tiktoken encodings <c>cl100k_base</c> and <c>o200k_base</c>, encoded by Microsoft.ML.Tokenizers.
/// Input is plain text: a literal <c>&lt;|endoftext|&gt;</c> in a document is encoded as ordinary characters, never
/// as the special token (that is what tiktoken's <c>encode_ordinary</c> does), so a document cannot forge a
/// document boundary. The tokens of bytes 0xF8, 0xF9 and 0xFA, which UTF-8 text never holds, mark the chat roles
/// (<see cref="ChatRoleTokens"/>).
/// </summary>
public sealed class TiktokenTextTokenizer : ITextTokenizer
{
    /// <summary>The spec of the GPT-3.5/GPT-4 encoding.</summary>
    public const string Cl100kBaseSpec = "cl100k_base";

    /// <summary>The spec of the GPT-4o encoding.</summary>
    public const string O200kBaseSpec = "o200k_base";

    /// <summary>The text of the document separator token.</summary>
    public const string EndOfTextToken = "<|endoftext|>";

    // Both vocabularies are immutable and large (100k and 200k tokens); one instance each serves the process.
    private static readonly Lazy<TiktokenTextTokenizer> _cl100kBase = new(() => new TiktokenTextTokenizer(
        Cl100kBaseSpec,
        "Microsoft.ML.Tokenizers.Data.Cl100kBase",
        "cl100k_base.tiktoken.deflate",
        PreTokenizerPatterns.Cl100kBase(),
        new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [EndOfTextToken] = 100257,
            ["<|fim_prefix|>"] = 100258,
            ["<|fim_middle|>"] = 100259,
            ["<|fim_suffix|>"] = 100260,
            ["<|endofprompt|>"] = 100276,
        }));

    private static readonly Lazy<TiktokenTextTokenizer> _o200kBase = new(() => new TiktokenTextTokenizer(
        O200kBaseSpec,
        "Microsoft.ML.Tokenizers.Data.O200kBase",
        "o200k_base.tiktoken.deflate",
        PreTokenizerPatterns.O200kBase(),
        new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [EndOfTextToken] = 199999,
            ["<|endofprompt|>"] = 200018,
        }));

    // Far above any real encoding; bounds what a malformed vocabulary file can make us allocate.
    private const int MaxTokenId = (1 << 24) - 1;

    private readonly TiktokenTokenizer _tokenizer;
    private readonly TokenByteTable _tokens;

    private TiktokenTextTokenizer(string spec, string dataAssembly, string resource, Regex pattern, Dictionary<string, int> specialTokens)
    {
        Spec = spec;
        SpecialTokens = specialTokens;
        EndOfTextId = specialTokens[EndOfTextToken];
        byte[] vocabulary = ReadVocabulary(dataAssembly, resource);

        // The library keeps each token's bytes internal and decodes only to strings, which turns a token that ends
        // inside a character into U+FFFD; read the same vocabulary file once more for the exact bytes.
        List<byte[]?> tokens = ParseVocabulary(vocabulary, resource);
        foreach ((string text, int id) in specialTokens)
        {
            while (tokens.Count <= id)
            {
                tokens.Add(null);
            }
            tokens[id] = Encoding.UTF8.GetBytes(text);
        }
        _tokens = new TokenByteTable(tokens);
        RoleTokens = ChatRoleTokens.ForBytes(b => ByteId(tokens, b, resource));

        // No special tokens in the pre-tokenizer or the model: they would turn literal "<|endoftext|>" text into the id.
        using var stream = new MemoryStream(vocabulary, writable: false);
        _tokenizer = TiktokenTokenizer.Create(stream, new RegexPreTokenizer(pattern, specialTokens: null), normalizer: null, specialTokens: null);
    }

    /// <summary>The <c>cl100k_base</c> encoding (loaded on first use).</summary>
    public static TiktokenTextTokenizer Cl100kBase => _cl100kBase.Value;

    /// <summary>The <c>o200k_base</c> encoding (loaded on first use).</summary>
    public static TiktokenTextTokenizer O200kBase => _o200kBase.Value;

    /// <summary>The encoding named <paramref name="spec"/>, or <see langword="null"/> when it names none.</summary>
    public static TiktokenTextTokenizer? ForSpec(string spec) => spec switch
    {
        Cl100kBaseSpec => Cl100kBase,
        O200kBaseSpec => O200kBase,
        _ => null,
    };

    /// <inheritdoc />
    public string Spec { get; }

    /// <summary>
    /// One more than the largest id, special tokens included. A few ids below it name no token (tiktoken leaves
    /// gaps before some special tokens); decoding them throws.
    /// </summary>
    public int VocabularySize => _tokens.Count;

    /// <inheritdoc />
    public int EndOfTextId { get; }

    /// <inheritdoc cref="ITextTokenizer.RoleTokens" />
    public ChatRoleTokens RoleTokens { get; }

    /// <summary>The special tokens of the encoding and their ids; <see cref="Encode"/> never produces them.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : [.. _tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false)];
    }

    /// <inheritdoc />
    public byte[] DecodeBytes(ReadOnlySpan<int> ids) => RoleTokens.Concatenate(ids, text => _tokens.Concatenate(text, Spec));

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    private static int ByteId(List<byte[]?> tokens, byte value, string resource)
    {
        int id = tokens.FindIndex(token => token is [var only] && only == value);
        return id >= 0 ? id : throw new InvalidDataException($"{resource} has no token for byte 0x{value:X2}; a byte-level vocabulary needs all 256");
    }

    private static byte[] ReadVocabulary(string dataAssembly, string resource)
    {
        // The data packages expose no public type; the library finds them by name the same way.
        Assembly assembly = Assembly.Load(new AssemblyName(dataAssembly));
        using Stream compressed = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{dataAssembly} has no resource {resource}");
        using var deflate = new DeflateStream(compressed, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        deflate.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Parses a .tiktoken file as the library does: an optional <c>Capacity: N</c> line, then either one base64
    /// token per line (its id is the line's index, blank lines counted) or <c>base64 id</c> lines.
    /// </summary>
    internal static List<byte[]?> ParseVocabulary(ReadOnlySpan<byte> file, string name)
    {
        var tokens = new List<byte[]?>();
        int lineNumber = 0;
        int index = -1; // the compact form's last id
        bool? compact = null;
        while (!file.IsEmpty)
        {
            int end = file.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? file : file[..end];
            file = end < 0 ? [] : file[(end + 1)..];
            lineNumber++;
            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }
            if (lineNumber == 1 && line.StartsWith("Capacity: "u8))
            {
                continue;
            }
            if (line.IsEmpty)
            {
                if (compact == true)
                {
                    index++; // in the compact form a blank line still takes an id
                }
                continue;
            }
            compact ??= line.IndexOf((byte)' ') < 0;
            int id;
            ReadOnlySpan<byte> base64;
            if (compact.Value)
            {
                id = ++index;
                base64 = line;
            }
            else
            {
                int space = line.IndexOf((byte)' ');
                if (space <= 0 || !Utf8Parser.TryParse(line[(space + 1)..], out id, out int consumed)
                    || consumed != line.Length - space - 1 || id is < 0 or > MaxTokenId)
                {
                    throw new InvalidDataException($"{name} line {lineNumber}: expected '<base64> <id>' with an id up to {MaxTokenId}");
                }
                base64 = line[..space];
            }
            var token = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
            if (Base64.DecodeFromUtf8(base64, token, out _, out int written) != OperationStatus.Done || written == 0)
            {
                throw new InvalidDataException($"{name} line {lineNumber}: invalid base64 token");
            }
            while (tokens.Count <= id)
            {
                tokens.Add(null);
            }
            if (tokens[id] is not null)
            {
                throw new InvalidDataException($"{name} line {lineNumber}: id {id} appears twice");
            }
            tokens[id] = token.AsSpan(0, written).ToArray();
        }
        return tokens;
    }
}
