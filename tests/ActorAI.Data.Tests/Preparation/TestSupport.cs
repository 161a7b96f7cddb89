using System.Text;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;

namespace ActorAI.Data.Tests.Preparation;

/// <summary>A clock stopped at one instant, so manifests of two runs can be compared byte for byte.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public static FixedTimeProvider Default { get; } = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => now;
}

internal static class Preparation
{
    /// <summary>
    /// Options reading <paramref name="inputs"/> into <c>out</c> under <paramref name="temp"/>: byte tokenizer, no
    /// validation split, and blocks of two tokens, so every token lands in a block and no document is lost to the tail.
    /// </summary>
    public static DataPreparationOptions Options(TempDirectory temp, params string[] inputs) => new()
    {
        InputPaths = [.. inputs],
        OutputDirectory = temp.Combine("out"),
        BlockSize = 1,
        ValidationFraction = 0,
        DegreeOfParallelism = 2,
    };

    public static Task<DatasetManifest> RunAsync(DataPreparationOptions options) =>
        new DataPreparer(FixedTimeProvider.Default).RunAsync(options);

    /// <summary>The split's token stream, rebuilt from its blocks (each block after the first adds all but its first token).</summary>
    public static List<int> ReadStream(DatasetManifest manifest, DatasetSplit split)
    {
        using TokenDataset dataset = TokenDataset.Open(manifest, split);
        var stream = new List<int>();
        var block = new int[dataset.BlockSize + 1];
        for (long i = 0; i < dataset.BlockCount; i++)
        {
            dataset.ReadBlock(i, block);
            stream.AddRange(i == 0 ? block : block.AsSpan(1).ToArray());
        }
        return stream;
    }

    /// <summary>The documents of a byte-tokenized stream: text between end-of-text ids (NUL); an unterminated tail is left out.</summary>
    public static List<string> Documents(IReadOnlyList<int> stream)
    {
        var documents = new List<string>();
        var current = new List<byte>();
        foreach (int token in stream)
        {
            if (token == 0)
            {
                documents.Add(Encoding.UTF8.GetString([.. current]));
                current.Clear();
            }
            else
            {
                current.Add((byte)token);
            }
        }
        return documents;
    }
}
