using System.Text;
using ActorAI.Data.Preparation;

namespace ActorAI.Grains.Tests.Training;

/// <summary>A small prepared dataset (byte tokenizer, 32-token blocks) generated once per test run.</summary>
internal static class TrainingDataset
{
    private static readonly Lazy<string> Prepared = new(Prepare);

    public static string Directory => Prepared.Value;

    private static string Prepare()
    {
        string root = Path.Combine(Path.GetTempPath(), "actorai-grain-tests", "dataset-" + Guid.NewGuid().ToString("N"));
        string input = Path.Combine(root, "text");
        System.IO.Directory.CreateDirectory(input);
        var rng = new Random(11);
        string[] words = ["actor", "grain", "silo", "tensor", "model", "token", "batch", "shard", "train", "step", "loss", "cluster"];
        var text = new StringBuilder();
        for (int doc = 0; doc < 400; doc++)
        {
            for (int w = 0; w < 12 + rng.Next(12); w++)
            {
                text.Append(words[rng.Next(words.Length)]).Append(' ');
            }
            text.Append("\n%\n");
        }
        File.WriteAllText(Path.Combine(input, "corpus.txt"), text.ToString());
        var options = new DataPreparationOptions
        {
            InputPaths = [input],
            OutputDirectory = Path.Combine(root, "prepared"),
            DocumentMode = TextDocumentMode.Separator,
            BlockSize = 32,
            ValidationFraction = 0.1,
            DegreeOfParallelism = 1,
        };
        new DataPreparer().RunAsync(options, null, CancellationToken.None).GetAwaiter().GetResult();
        return options.OutputDirectory;
    }
}
