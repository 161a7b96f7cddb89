using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Preparation;

/// <summary>How a <c>.txt</c> file is cut into documents.</summary>
public enum TextDocumentMode
{
    /// <summary>The whole file is one document (books, articles).</summary>
    WholeFile,

    /// <summary>Paragraphs separated by one or more blank (whitespace-only) lines are documents.</summary>
    Paragraphs,

    /// <summary>Every non-blank line is a document.</summary>
    Lines,

    /// <summary>
    /// Documents are separated by lines that are exactly <see cref="DataPreparationOptions.DocumentSeparator"/>
    /// (a trailing carriage return aside), as in Debian's fortune files, which separate entries with <c>%</c>.
    /// </summary>
    Separator,
}

/// <summary>
/// Settings of <see cref="DataPreparer"/>: which files to read, how to cut them into documents, which documents to
/// keep, and how to tokenize, split and pack them. Validate with <see cref="DataPreparationOptionsValidator"/>.
/// </summary>
public sealed class DataPreparationOptions
{
    /// <summary>
    /// Files and directories to read. Directories are searched recursively; all files found are taken in ordinal
    /// order of their full paths, so the output does not depend on the file system's listing order. Required.
    /// </summary>
    public List<string> InputPaths { get; set; } = [];

    /// <summary>
    /// The directory that receives the shards and <c>manifest.json</c>; created when missing. Files it holds are never
    /// read as input. Required.
    /// </summary>
    public string OutputDirectory { get; set; } = "";

    /// <summary>The JSON string field holding a document's text in <c>.jsonl</c> files. Default <c>text</c>.</summary>
    public string TextField { get; set; } = "text";

    /// <summary>How <c>.txt</c> files are cut into documents. Default <see cref="TextDocumentMode.WholeFile"/>.</summary>
    public TextDocumentMode DocumentMode { get; set; } = TextDocumentMode.WholeFile;

    /// <summary>The separator line for <see cref="TextDocumentMode.Separator"/>. Default <c>%</c>.</summary>
    public string DocumentSeparator { get; set; } = "%";

    /// <summary>
    /// Documents shorter than this many characters (Unicode scalar values, after normalization) are dropped as
    /// <c>too_short</c>. Default 1 (only empty documents).
    /// </summary>
    public int MinDocumentChars { get; set; } = 1;

    /// <summary>
    /// Documents longer than this many characters (Unicode scalar values, after normalization) are dropped as
    /// <c>too_long</c>. Default 10,000,000.
    /// </summary>
    public int MaxDocumentChars { get; set; } = 10_000_000;

    /// <summary>
    /// A raw record (a <c>.txt</c> document or a <c>.jsonl</c> line) larger than this many bytes is dropped as
    /// <c>too_long</c> without being held in memory, so a file with no line breaks cannot exhaust memory.
    /// Default 64 MiB.
    /// </summary>
    public int MaxRecordBytes { get; set; } = 64 << 20;

    /// <summary>
    /// Tokens per training sample. Each stored block holds <c>BlockSize + 1</c> tokens: inputs are the first
    /// <c>BlockSize</c>, targets the last <c>BlockSize</c>. Default 256.
    /// </summary>
    public int BlockSize { get; set; } = 256;

    /// <summary>
    /// The share of documents sent to the validation split, chosen per document from its content hash and
    /// <see cref="Seed"/>, so adding documents never moves existing ones between splits. 0 to 0.5; default 0.05.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.05;

    /// <summary>Mixed into the train/validation assignment (and recorded in the manifest). Default 0.</summary>
    public ulong Seed { get; set; }

    /// <summary>
    /// The tokenizer specification for <see cref="TokenizerFactory.Create"/>, e.g. <c>byte</c> or <c>cl100k_base</c>.
    /// Default <c>byte</c>.
    /// </summary>
    public string Tokenizer { get; set; } = ByteTokenizer.SpecName;

    /// <summary>
    /// Target number of tokens per shard file; a shard holds <c>max(1, TokensPerShard / (BlockSize + 1))</c> blocks,
    /// and one shard per split is buffered in memory while it fills. Default 16,777,216 (32 MiB of 16-bit tokens).
    /// </summary>
    public int TokensPerShard { get; set; } = 1 << 24;

    /// <summary>
    /// Worker threads that decode, normalize, hash and tokenize documents. The output does not depend on it.
    /// Default: the processor count.
    /// </summary>
    public int DegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>How many dropped records the manifest lists by file and line (all drops are counted). Default 100.</summary>
    public int MaxDropExamples { get; set; } = 100;
}
