using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// The Hugging Face GPT-2 tokenizer files: <c>vocab.json</c> maps each token's text (its bytes through GPT-2's
/// <c>bytes_to_unicode</c>) to its id, with <c>&lt;|endoftext|&gt;</c> as the one special token; <c>merges.txt</c> has a
/// <c>#version: 0.2</c> line and then one "left right" merge per line in rank order. No token text contains a space
/// (space maps to 'Ġ'), so a merge line splits unambiguously, and no text token can read <c>&lt;|endoftext|&gt;</c>
/// (GPT-2's pattern never lets letters and punctuation share a piece).
/// </summary>
internal static class Gpt2BpeFiles
{
    private const string MergesHeader = "#version: 0.2";

    private static readonly UTF8Encoding _utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Save(BpeModel model, string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, ByteLevelBpeTokenizer.VocabularyFileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            json.WriteStartObject();
            for (int id = 0; id < model.Tokens.Count; id++)
            {
                json.WriteNumber(TokenText(model, id), id);
            }
            json.WriteEndObject();
        });
        WriteAtomically(Path.Combine(directory, ByteLevelBpeTokenizer.MergesFileName), stream =>
        {
            using var writer = new StreamWriter(stream, _utf8NoBom) { NewLine = "\n" };
            writer.WriteLine(MergesHeader);
            foreach (BpeMerge merge in model.Merges)
            {
                writer.Write(TokenText(model, merge.Left));
                writer.Write(' ');
                writer.WriteLine(TokenText(model, merge.Right));
            }
        });
    }

    public static BpeModel Load(string directory)
    {
        string vocabularyPath = Path.Combine(directory, ByteLevelBpeTokenizer.VocabularyFileName);
        string mergesPath = Path.Combine(directory, ByteLevelBpeTokenizer.MergesFileName);
        foreach (string path in (string[])[vocabularyPath, mergesPath])
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path} does not exist; a {ByteLevelBpeTokenizer.SpecPrefix} directory holds {ByteLevelBpeTokenizer.VocabularyFileName} and {ByteLevelBpeTokenizer.MergesFileName}", path);
            }
        }
        (Dictionary<string, int> vocabulary, byte[][] tokens, int endOfText) = ReadVocabulary(vocabularyPath);

        var byteToId = new int[256];
        Array.Fill(byteToId, -1);
        for (int id = 0; id < tokens.Length; id++)
        {
            if (id != endOfText && tokens[id].Length == 1)
            {
                byteToId[tokens[id][0]] = id;
            }
        }
        int missing = Array.IndexOf(byteToId, -1);
        if (missing >= 0)
        {
            throw new InvalidDataException($"{vocabularyPath}: no token for byte 0x{missing:X2} ('{Gpt2ByteMapping.ToText([(byte)missing])}'); a byte-level vocabulary needs all 256");
        }

        BpeMerge[] merges = ReadMerges(mergesPath, vocabulary, endOfText);
        return new BpeModel(byteToId, merges, new TokenByteTable(tokens), endOfText);
    }

    private static string TokenText(BpeModel model, int id) =>
        id == model.EndOfTextId ? ByteLevelBpeTokenizer.EndOfTextToken : Gpt2ByteMapping.ToText(model.Tokens[id]);

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static (Dictionary<string, int> Vocabulary, byte[][] Tokens, int EndOfText) ReadVocabulary(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> json = file.AsSpan().StartsWith("\uFEFF"u8) ? file.AsSpan(3) : file;
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineOfId = new Dictionary<int, int>();
        var lines = new LineCounter(json);
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed(path, lines.LineAt(reader.TokenStartIndex), "expected a JSON object of token → id");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int line = lines.LineAt(reader.TokenStartIndex);
                string token = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
                {
                    throw Malformed(path, line, $"the id of token '{token}' must be a non-negative integer");
                }
                if (token.Length == 0)
                {
                    throw Malformed(path, line, "empty token");
                }
                if (!vocabulary.TryAdd(token, id))
                {
                    throw Malformed(path, line, $"token '{token}' appears twice");
                }
                if (!lineOfId.TryAdd(id, line))
                {
                    throw Malformed(path, line, $"id {id} of token '{token}' is also the id of line {lineOfId[id]}'s token");
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw Malformed(path, lines.LineAt(reader.TokenStartIndex), "expected a token or the end of the object");
            }
            if (reader.Read())
            {
                throw Malformed(path, lines.LineAt(reader.TokenStartIndex), "unexpected content after the object");
            }
        }
        catch (JsonException ex)
        {
            throw Malformed(path, (int)(ex.LineNumber ?? 0) + 1, $"not valid JSON: {ex.Message}", ex);
        }

        if (!vocabulary.TryGetValue(ByteLevelBpeTokenizer.EndOfTextToken, out int endOfText))
        {
            throw new InvalidDataException($"{path}: no {ByteLevelBpeTokenizer.EndOfTextToken} token");
        }
        var tokens = new byte[vocabulary.Count][];
        foreach ((string token, int id) in vocabulary)
        {
            if (id >= tokens.Length)
            {
                throw Malformed(path, lineOfId[id], $"id {id} of token '{token}' is outside 0..{tokens.Length - 1}; ids must number the tokens from 0");
            }
            if (id == endOfText)
            {
                tokens[id] = Encoding.UTF8.GetBytes(ByteLevelBpeTokenizer.EndOfTextToken);
            }
            else if (Gpt2ByteMapping.TryToBytes(token, out byte[] bytes))
            {
                tokens[id] = bytes;
            }
            else
            {
                throw Malformed(path, lineOfId[id], $"token '{token}' has a character outside GPT-2's byte mapping");
            }
        }
        return (vocabulary, tokens, endOfText);
    }

    private static BpeMerge[] ReadMerges(string path, Dictionary<string, int> vocabulary, int endOfText)
    {
        var merges = new List<BpeMerge>();
        var seen = new HashSet<long>();
        int lineNumber = 0;
        try
        {
            foreach (string line in File.ReadLines(path, _utf8NoBom))
            {
                lineNumber++;
                if ((lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
                {
                    continue;
                }
                string[] parts = line.Split(' ');
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    throw Malformed(path, lineNumber, $"expected two tokens separated by one space, found '{line}'");
                }
                int left = Lookup(parts[0]);
                int right = Lookup(parts[1]);
                int result = Lookup(parts[0] + parts[1]);
                if (!seen.Add(BpeModel.PairKey(left, right)))
                {
                    throw Malformed(path, lineNumber, $"merge '{line}' appears twice");
                }
                merges.Add(new BpeMerge(left, right, result));
            }
        }
        catch (DecoderFallbackException ex)
        {
            throw Malformed(path, lineNumber + 1, "not valid UTF-8", ex);
        }
        return [.. merges];

        int Lookup(string token)
        {
            if (!vocabulary.TryGetValue(token, out int id) || id == endOfText)
            {
                throw Malformed(path, lineNumber, $"token '{token}' is not a text token of {ByteLevelBpeTokenizer.VocabularyFileName}");
            }
            return id;
        }
    }

    private static InvalidDataException Malformed(string path, int line, string problem, Exception? inner = null) =>
        new($"{path} line {line}: {problem}", inner);

    /// <summary>Turns byte positions, visited in increasing order, into 1-based line numbers.</summary>
    private ref struct LineCounter(ReadOnlySpan<byte> text)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _position;
        private int _line = 1;

        public int LineAt(long position)
        {
            int end = (int)Math.Clamp(position, _position, _text.Length);
            _line += _text[_position..end].Count((byte)'\n');
            _position = end;
            return _line;
        }
    }
}
