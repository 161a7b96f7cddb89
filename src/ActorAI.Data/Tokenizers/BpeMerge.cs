namespace ActorAI.Data.Tokenizers;

/// <summary>One merge rule of a byte-pair encoding: adjacent tokens <see cref="Left"/>, <see cref="Right"/> become <see cref="Result"/>.</summary>
/// <param name="Left">Id of the left token.</param>
/// <param name="Right">Id of the right token.</param>
/// <param name="Result">Id of the merged token, whose bytes are the left token's followed by the right token's.</param>
public readonly record struct BpeMerge(int Left, int Right, int Result);
