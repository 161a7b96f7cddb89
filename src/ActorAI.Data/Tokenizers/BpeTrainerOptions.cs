namespace ActorAI.Data.Tokenizers;

/// <summary>Settings of <see cref="BpeTrainer.Train"/>.</summary>
public sealed class BpeTrainerOptions
{
    /// <summary>
    /// Training stops early, short of the requested vocabulary, when the most frequent pair occurs fewer times than
    /// this. Default 2: a pair seen once only memorizes the corpus. At least 1.
    /// </summary>
    public long MinPairFrequency { get; init; } = 2;
}
