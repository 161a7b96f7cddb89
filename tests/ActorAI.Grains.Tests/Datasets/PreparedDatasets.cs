using System.Text;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Grains.Tests.Datasets;

/// <summary>Small prepared datasets made fresh for a test: byte-level, or with a BPE tokenizer trained on the same text.</summary>
internal static class PreparedDatasets
{
    /// <summary>A new directory holding a dataset prepared with the byte tokenizer from text drawn with <paramref name="seed"/>.</summary>
    public static Task<DatasetManifest> ByteAsync(int seed) => PrepareAsync(seed, trainTokenizer: false);

    /// <summary>
    /// A new directory holding a dataset prepared with a byte-level BPE (vocabulary 300) trained on its text and saved in
    /// its <c>tokenizer</c> folder, as <c>actorai data prepare --train-tokenizer 300</c> does.
    /// </summary>
    public static Task<DatasetManifest> BpeAsync(int seed) => PrepareAsync(seed, trainTokenizer: true);

    private static async Task<DatasetManifest> PrepareAsync(int seed, bool trainTokenizer)
    {
        string root = Path.Combine(Path.GetTempPath(), "actorai-grain-tests", $"dataset-{seed}-{Guid.NewGuid():N}");
        string input = Path.Combine(root, "text");
        string output = Path.Combine(root, "prepared");
        Directory.CreateDirectory(input);
        var rng = new Random(seed);
        string[] words = ["actor", "grain", "silo", "tensor", "model", "token", "batch", "shard", "train", "step", "loss", "cluster"];
        var documents = new List<string>();
        for (int doc = 0; doc < 300; doc++)
        {
            documents.Add(string.Join(' ', Enumerable.Range(0, 12 + rng.Next(12)).Select(_ => words[rng.Next(words.Length)])));
        }
        await File.WriteAllTextAsync(Path.Combine(input, "corpus.txt"), string.Join("\n%\n", documents) + "\n");
        var options = new DataPreparationOptions
        {
            InputPaths = [input],
            OutputDirectory = output,
            DocumentMode = TextDocumentMode.Separator,
            BlockSize = 32,
            ValidationFraction = 0.1,
            DegreeOfParallelism = 1,
        };
        if (trainTokenizer)
        {
            options.Tokenizer = BpeTrainer.Train(documents, 300).Save(Path.Combine(output, "tokenizer")).Spec;
        }
        return await new DataPreparer().RunAsync(options, null, CancellationToken.None);
    }
}
