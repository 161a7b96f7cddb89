using System.Text;
using ActorAI.Cli.Rendering;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Cli.Data;

/// <summary>
/// <c>--train-tokenizer</c>: trains a byte-level BPE on exactly the documents the preparation keeps. A first
/// <see cref="DataPreparer"/> pass with the byte tokenizer does the reading, cutting, validation, normalization,
/// deduplication and length limits; its token stream is the kept documents' UTF-8 separated by the byte tokenizer's
/// end-of-text id, which <see cref="ReadDocuments"/> streams into <see cref="BpeTrainer.Train"/> one document at a time.
/// </summary>
/// <remarks>
/// The first pass writes into the output directory itself (so it excludes the same files from the input as the final
/// pass), and its manifest is deleted as soon as it has been read: the final pass overwrites or deletes its shards.
/// The stream's tail that fills no block (under <see cref="CorpusBlockSize"/> bytes at the very end) is not seen by
/// the trainer.
/// </remarks>
internal static class TokenizerTraining
{
    /// <summary>The first pass's block size: small, so little of the tail is lost; large enough that rows are cheap to read.</summary>
    public const int CorpusBlockSize = 64;

    /// <summary>The tokenizer's directory inside the dataset directory.</summary>
    public const string DirectoryName = "tokenizer";

    /// <summary>
    /// Trains a tokenizer of <paramref name="vocabularySize"/> on the documents the final preparation keeps and saves it
    /// in <see cref="DirectoryName"/> inside its output directory. <paramref name="createOptions"/> makes a fresh copy of
    /// the final preparation's options, which the first pass adjusts.
    /// </summary>
    public static async Task<ByteLevelBpeTokenizer> TrainAsync(
        Func<DataPreparationOptions> createOptions, int vocabularySize, PreparationDisplay display, TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        DataPreparationOptions firstPass = createOptions();
        firstPass.Tokenizer = ByteTokenizer.SpecName;
        firstPass.ValidationFraction = 0;
        firstPass.BlockSize = CorpusBlockSize;

        DatasetManifest corpus = await display.RunAsync("tokenizer corpus",
            progress => new DataPreparer(timeProvider).RunAsync(firstPass, progress, cancellationToken));
        string manifestPath = Path.Combine(corpus.Directory, DatasetManifest.FileName);
        try
        {
            ByteLevelBpeTokenizer trained = await display.RunAsync(
                $"training a byte-level BPE tokenizer (vocabulary {Units.FormatCount(vocabularySize)}, {Units.FormatCount(corpus.Train.Documents)} documents)",
                () => BpeTrainer.Train(ReadDocuments(corpus, cancellationToken), vocabularySize));
            return trained.Save(Path.Combine(corpus.Directory, DirectoryName));
        }
        finally
        {
            // Not a dataset anyone asked for: never leave its manifest behind.
            File.Delete(manifestPath);
        }
    }

    /// <summary>
    /// The documents of a dataset prepared with the byte tokenizer, in order, decoded from its training split. The last
    /// one may be cut short where the stream's tail filled no block.
    /// </summary>
    internal static IEnumerable<string> ReadDocuments(DatasetManifest corpus, CancellationToken cancellationToken)
    {
        if (corpus.Tokenizer != ByteTokenizer.SpecName)
        {
            throw new ArgumentException($"the corpus must be prepared with the {ByteTokenizer.SpecName} tokenizer (was {corpus.Tokenizer})", nameof(corpus));
        }
        return Read();

        IEnumerable<string> Read()
        {
            int endOfText = ByteTokenizer.Instance.EndOfTextId;
            using TokenDataset dataset = TokenDataset.Open(corpus, DatasetSplit.Train);
            var block = new int[dataset.BlockSize + 1];
            using var document = new MemoryStream();
            for (long b = 0; b < dataset.BlockCount; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                dataset.ReadBlock(b, block);
                // Consecutive blocks share one token: each block contributes its first BlockSize tokens, the last block all.
                int count = b == dataset.BlockCount - 1 ? block.Length : block.Length - 1;
                for (int i = 0; i < count; i++)
                {
                    if (block[i] != endOfText)
                    {
                        document.WriteByte((byte)block[i]);
                        continue;
                    }
                    yield return Encoding.UTF8.GetString(document.GetBuffer(), 0, (int)document.Length);
                    document.SetLength(0);
                }
            }
            if (document.Length > 0)
            {
                yield return Encoding.UTF8.GetString(document.GetBuffer(), 0, (int)document.Length);
            }
        }
    }
}
