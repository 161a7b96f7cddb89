using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ActorAI.Abstractions.Datasets;

/// <summary>
/// Dataset names and references. A name is 1 to <see cref="MaxLength"/> ASCII letters, digits, <c>-</c>, <c>_</c> and
/// <c>.</c>, starting with a letter or digit (the deployment name rule). A reference is <c>NAME</c> (the latest version),
/// <c>NAME@N</c> or <c>NAME@latest</c>.
/// </summary>
/// <remarks>
/// Where a value may be a dataset reference or a path (<c>TrainingJobSpec.Dataset</c>, <c>actorai train --data</c>), a
/// value that contains a directory separator (<c>/</c> or <c>\</c>) is a path and anything else is a reference: names
/// cannot contain separators, and the CLI makes every path it sends absolute. Write <c>./prepared</c> for a directory
/// in the current one.
/// </remarks>
public static class DatasetNames
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>The version word for the newest version.</summary>
    public const string Latest = "latest";

    /// <summary>The rule, for messages.</summary>
    public const string Rule = "1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit";

    /// <summary>The manifest's file name in a dataset (as <c>DatasetManifest.FileName</c>).</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>The folder of a <c>bpe:</c> tokenizer's files inside a dataset.</summary>
    public const string TokenizerFolder = "tokenizer";

    /// <summary>The prefix of a trained byte-level BPE tokenizer's spec (<c>bpe:DIR</c>).</summary>
    public const string BpeTokenizerPrefix = "bpe:";

    /// <summary>The files of a <c>bpe:</c> tokenizer's directory.</summary>
    public static IReadOnlyList<string> BpeTokenizerFiles { get; } = ["vocab.json", "merges.txt"];

    /// <summary>Whether <paramref name="name"/> is a valid dataset name.</summary>
    public static bool IsValid([NotNullWhen(true)] string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>What is wrong with <paramref name="name"/> (naming the field <c>name</c> and the rule), or <see langword="null"/>.</summary>
    public static string? Problem(string? name) =>
        IsValid(name) ? null : $"name: a dataset name is {Rule} (was '{name}')";

    /// <summary>Whether <paramref name="value"/> is a path (it contains <c>/</c> or <c>\</c>) rather than a dataset reference.</summary>
    public static bool IsPath(string value) => value.Contains('/', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal);

    /// <summary>
    /// Splits a reference <c>NAME[@N|@latest]</c> into the name and the version (<see langword="null"/> for the latest);
    /// false when <paramref name="reference"/> is a path or not a well-formed reference.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? reference, [NotNullWhen(true)] out string? name, out int? version)
    {
        name = null;
        version = null;
        if (string.IsNullOrEmpty(reference) || IsPath(reference))
        {
            return false;
        }
        int at = reference.IndexOf('@', StringComparison.Ordinal);
        string candidate = at < 0 ? reference : reference[..at];
        if (!IsValid(candidate))
        {
            return false;
        }
        if (at >= 0)
        {
            string text = reference[(at + 1)..];
            if (text != Latest)
            {
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < 1)
                {
                    return false;
                }
                version = number;
            }
        }
        name = candidate;
        return true;
    }

    /// <summary>What is wrong with a reference, naming the rule, or <see langword="null"/> when it is well formed.</summary>
    public static string? ReferenceProblem(string? reference) =>
        TryParse(reference, out _, out _)
            ? null
            : $"'{reference}' is not a dataset reference: NAME, NAME@N (N >= 1) or NAME@{Latest}, where NAME is {Rule}";

    /// <summary>The pinned reference <c>NAME@N</c>.</summary>
    public static string Pinned(string name, int version) => string.Create(CultureInfo.InvariantCulture, $"{name}@{version}");
}
