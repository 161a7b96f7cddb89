using ActorAI.Cli.Data;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Cli.Tests;

public sealed class TokenizerTrainingTests
{
    [Fact]
    public async Task TheCorpusIsTheKeptDocumentsInOrderLessTheTailThatFillsNoBlock()
    {
        using var temp = new TempDirectory();
        string[] documents = [.. Enumerable.Range(0, 30).Select(k => $"Document {k} says hello to number {k * k}.")];
        temp.Write("corpus.txt", string.Join("\n%\n", [.. documents, documents[3]]));
        DatasetManifest corpus = await new DataPreparer().RunAsync(new DataPreparationOptions
        {
            InputPaths = [temp.Combine("corpus.txt")],
            OutputDirectory = temp.Combine("out"),
            DocumentMode = TextDocumentMode.Separator,
            Tokenizer = ByteTokenizer.SpecName,
            BlockSize = TokenizerTraining.CorpusBlockSize,
            ValidationFraction = 0,
            DegreeOfParallelism = 2,
        });
        Assert.InRange(corpus.Train.TailTokens, 2, TokenizerTraining.CorpusBlockSize); // the last document is cut short

        List<string> read = [.. TokenizerTraining.ReadDocuments(corpus, CancellationToken.None)];

        Assert.Equal(documents.Length, read.Count);
        Assert.Equal(documents[..^1], read[..^1]);
        // The tail lost its end-of-text id and the last document's final TailTokens - 1 bytes.
        Assert.Equal(documents[^1][..^(int)(corpus.Train.TailTokens - 1)], read[^1]);
    }

    [Fact]
    public async Task OnlyAByteTokenizedCorpusCanBeRead()
    {
        using var temp = new TempDirectory();
        temp.Write("a.txt", "some text");
        DatasetManifest dataset = await new DataPreparer().RunAsync(new DataPreparationOptions
        {
            InputPaths = [temp.Combine("a.txt")],
            OutputDirectory = temp.Combine("out"),
            Tokenizer = TiktokenTextTokenizer.Cl100kBaseSpec,
            DegreeOfParallelism = 1,
        });

        Assert.Throws<ArgumentException>(() => TokenizerTraining.ReadDocuments(dataset, CancellationToken.None));
    }
}
