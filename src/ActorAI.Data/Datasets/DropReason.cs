namespace ActorAI.Data.Datasets;

/// <summary>Why data preparation left a record out (written in manifests in snake_case, e.g. <c>invalid_utf8</c>).</summary>
public enum DropReason
{
    /// <summary>The record is not valid UTF-8 (or a JSON string holds an unpaired surrogate).</summary>
    InvalidUtf8,

    /// <summary>A <c>.jsonl</c> line is not a JSON object.</summary>
    BadJson,

    /// <summary>A <c>.jsonl</c> object lacks the text field, or the field is not a string.</summary>
    MissingField,

    /// <summary>The normalized text equals that of an earlier document.</summary>
    Duplicate,

    /// <summary>Shorter than the minimum length after normalization.</summary>
    TooShort,

    /// <summary>Longer than the maximum length after normalization, or a raw record over the byte limit.</summary>
    TooLong,

    /// <summary>A file whose extension is neither <c>.txt</c> nor <c>.jsonl</c>.</summary>
    UnsupportedFile,
}
