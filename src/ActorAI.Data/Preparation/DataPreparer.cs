using System.Threading.Channels;
using ActorAI.Data.Datasets;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Preparation;

/// <summary>
/// Prepares a training dataset — load, clean, tokenize, split, pack — streaming, so a corpus larger than memory
/// works. Files are read sequentially into batches of records; batches are decoded, normalized and tokenized in
/// parallel (bounded); results are consumed strictly in input order, so the same input always gives byte-identical
/// shards and manifest whatever the parallelism or thread timing.
/// </summary>
/// <remarks>
/// The manifest is deleted first and written last, so a run that fails or is cancelled leaves no manifest that
/// points at half-written shards. Shards of an earlier run in the same directory that the new manifest does not list
/// are deleted at the end.
/// </remarks>
public sealed class DataPreparer
{
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a preparer that stamps manifests with the system clock.</summary>
    public DataPreparer()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates a preparer that stamps manifests with <paramref name="timeProvider"/>.</summary>
    public DataPreparer(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Prepares the dataset described by <paramref name="options"/> and returns its manifest.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names each option) or name an unknown tokenizer.</exception>
    /// <exception cref="FileNotFoundException">An input path does not exist.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; no manifest was written.</exception>
    public async Task<DatasetManifest> RunAsync(
        DataPreparationOptions options, IProgress<PreparationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        new DataPreparationOptionsValidator().ThrowIfInvalid(options);
        ITextTokenizer tokenizer;
        try
        {
            tokenizer = TokenizerFactory.Create(options.Tokenizer);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Tokenizer '{options.Tokenizer}' cannot be created: {ex.Message}", nameof(options), ex);
        }
        if (tokenizer.VocabularySize < 1 || tokenizer.EndOfTextId < 0 || tokenizer.EndOfTextId >= tokenizer.VocabularySize)
        {
            throw new ArgumentException(
                $"Tokenizer '{options.Tokenizer}' has end-of-text id {tokenizer.EndOfTextId} outside its vocabulary of {tokenizer.VocabularySize}",
                nameof(options));
        }
        string directory = Path.GetFullPath(options.OutputDirectory);
        IReadOnlyList<InputFile> files = InputCatalog.Enumerate(options.InputPaths, directory);
        long totalBytes = files.Sum(f => f.Bytes);

        Directory.CreateDirectory(directory);
        File.Delete(Path.Combine(directory, DatasetManifest.FileName));

        var assembler = new DatasetAssembler(options, tokenizer, files, directory);
        var processor = new DocumentProcessor(options, tokenizer, files);
        var source = new RecordSource(files, options);
        long bytesRead = 0;
        await ProcessInOrderAsync(source, processor, options.DegreeOfParallelism, result =>
        {
            assembler.Add(result);
            bytesRead = result.BytesRead;
            progress?.Report(Snapshot(assembler, bytesRead, totalBytes, completed: false));
        }, cancellationToken).ConfigureAwait(false);

        cancellationToken.ThrowIfCancellationRequested();
        DatasetManifest manifest = assembler.Complete(_timeProvider.GetUtcNow());
        manifest.Save();
        DeleteStaleShards(directory, assembler.ShardFiles);
        progress?.Report(Snapshot(assembler, bytesRead, totalBytes, completed: true));
        return manifest;
    }

    private static PreparationProgress Snapshot(DatasetAssembler assembler, long bytesRead, long totalBytes, bool completed) =>
        new(bytesRead, totalBytes, assembler.DocumentsRead, assembler.DocumentsKept, assembler.DocumentsDropped, assembler.Tokens, completed);

    /// <summary>
    /// Runs <paramref name="processor"/> over the batches of <paramref name="source"/> on up to
    /// <paramref name="parallelism"/> threads and hands the results to <paramref name="consume"/> in source order.
    /// The channel holds the batches' tasks in the order they were started; awaiting them in that order restores the
    /// input order, and its bound (with the semaphore) caps the batches in memory.
    /// </summary>
    private static async Task ProcessInOrderAsync(
        RecordSource source, DocumentProcessor processor, int parallelism, Action<BatchResult> consume, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = Channel.CreateBounded<Task<BatchResult>>(new BoundedChannelOptions(2 * parallelism)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        // Not disposed: a worker still running after a failure releases it.
        var workers = new SemaphoreSlim(parallelism);
        Task producer = Task.Run(async () =>
        {
            try
            {
                foreach (RecordBatch batch in source.ReadBatches(stop.Token))
                {
                    await workers.WaitAsync(stop.Token).ConfigureAwait(false);
                    Task<BatchResult> work = Task.Run(() =>
                    {
                        try
                        {
                            return processor.Process(batch);
                        }
                        finally
                        {
                            workers.Release();
                        }
                    }, CancellationToken.None);
                    await pending.Writer.WriteAsync(work, stop.Token).ConfigureAwait(false);
                }
                pending.Writer.Complete();
            }
            catch (Exception ex)
            {
                pending.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (Task<BatchResult> work in pending.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                consume(await work.ConfigureAwait(false));
            }
        }
        finally
        {
            // On failure stop the reader, then wait for it so no file stays open after this method returns.
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    private static void DeleteStaleShards(string directory, IEnumerable<string> current)
    {
        var keep = new HashSet<string>(current, StringComparer.Ordinal);
        foreach (string pattern in new[] { "train-*.safetensors", "validation-*.safetensors" })
        {
            foreach (string path in Directory.EnumerateFiles(directory, pattern))
            {
                if (!keep.Contains(Path.GetFileName(path)))
                {
                    File.Delete(path);
                }
            }
        }
    }
}
