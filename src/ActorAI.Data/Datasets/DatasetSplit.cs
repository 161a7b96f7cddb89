namespace ActorAI.Data.Datasets;

/// <summary>The two splits of a prepared dataset.</summary>
public enum DatasetSplit
{
    /// <summary>Training data.</summary>
    Train,

    /// <summary>Held-out data for validation loss.</summary>
    Validation,
}
