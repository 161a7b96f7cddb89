namespace ActorAI.Data.Preparation;

/// <summary>Progress of <see cref="DataPreparer.RunAsync"/>, reported after each batch of records and once at the end.</summary>
/// <param name="BytesRead">Input bytes read so far.</param>
/// <param name="TotalBytes">Input bytes in all files (sizes when the run started).</param>
/// <param name="DocumentsRead">Records read (documents and <c>.jsonl</c> lines).</param>
/// <param name="DocumentsKept">Documents kept.</param>
/// <param name="DocumentsDropped">Records and files dropped, all reasons together.</param>
/// <param name="Tokens">Tokens in both splits' streams so far.</param>
/// <param name="Completed">Whether this is the final report (shards and manifest written).</param>
public sealed record PreparationProgress(
    long BytesRead, long TotalBytes, long DocumentsRead, long DocumentsKept, long DocumentsDropped, long Tokens, bool Completed)
{
    /// <summary>Share of the input read, 0 to 1, for a progress bar.</summary>
    public double Fraction => TotalBytes <= 0 ? (Completed ? 1 : 0) : Math.Clamp((double)BytesRead / TotalBytes, 0, 1);
}
