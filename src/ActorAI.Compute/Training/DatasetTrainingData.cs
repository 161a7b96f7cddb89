using ActorAI.Data.Datasets;

namespace ActorAI.Compute.Training;

/// <summary>
/// Training data from a prepared dataset (<see cref="DatasetManifest"/>): the train split through the
/// resume-anywhere <see cref="TokenBatchReader"/>, the validation split in its stored order.
/// </summary>
public sealed class DatasetTrainingData : ITrainingData, IDisposable
{
    private readonly TokenBatchReader _train;
    private readonly TokenDataset _validation;

    /// <summary>Opens the dataset whose manifest is at <paramref name="manifestPath"/> (file or directory).</summary>
    /// <exception cref="DatasetFormatException">The dataset is missing, malformed or has an empty split.</exception>
    public DatasetTrainingData(string manifestPath, int globalBatchRows, ulong seed)
    {
        DatasetManifest manifest = DatasetManifest.Load(manifestPath);
        if (manifest.Train.Blocks < globalBatchRows)
        {
            throw new DatasetFormatException($"the train split has {manifest.Train.Blocks} blocks, fewer than one global batch of {globalBatchRows}");
        }
        if (manifest.Validation.Blocks == 0)
        {
            throw new DatasetFormatException("the validation split is empty; prepare the data with a larger validation fraction");
        }
        Manifest = manifest;
        _train = new TokenBatchReader(TokenDataset.Open(manifest, DatasetSplit.Train), globalBatchRows, seed);
        _validation = TokenDataset.Open(manifest, DatasetSplit.Validation);
        GlobalBatchRows = globalBatchRows;
    }

    /// <summary>The dataset's manifest.</summary>
    public DatasetManifest Manifest { get; }

    /// <inheritdoc />
    public int BlockSize => Manifest.BlockSize;

    /// <inheritdoc />
    public int GlobalBatchRows { get; }

    /// <inheritdoc />
    public double ValidationBytesPerToken => Manifest.Validation.Tokens == 0 ? 0 : (double)Manifest.Validation.Utf8Bytes / Manifest.Validation.Tokens;

    /// <inheritdoc />
    public TokenBatch GetBatch(long step, int rank, int worldSize) => _train.GetBatch(step, rank, worldSize);

    /// <inheritdoc />
    public IEnumerable<TokenBatch> ValidationBatches(int rows, int maxBatches) => _validation.EnumerateEvaluationBatches(rows, maxBatches);

    /// <inheritdoc />
    public void Dispose()
    {
        _train.Dataset.Dispose();
        _validation.Dispose();
    }
}
