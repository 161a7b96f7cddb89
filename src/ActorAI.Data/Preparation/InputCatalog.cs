namespace ActorAI.Data.Preparation;

/// <summary>How an input file is read.</summary>
internal enum InputFormat
{
    Text,
    JsonLines,
    Unsupported,
}

/// <summary>An input file found by <see cref="InputCatalog"/>.</summary>
internal sealed record InputFile(string Path, InputFormat Format, long Bytes)
{
    public string FormatName => Format switch
    {
        InputFormat.Text => "txt",
        InputFormat.JsonLines => "jsonl",
        _ => "unsupported",
    };
}

/// <summary>Expands the input paths of <see cref="DataPreparationOptions"/> into the ordered list of files to read.</summary>
internal static class InputCatalog
{
    private static readonly EnumerationOptions s_recursive = new()
    {
        RecurseSubdirectories = true,
        // Hidden entries (names starting with '.') are skipped: version-control internals, editor swap files.
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
    };

    /// <summary>
    /// Every file under <paramref name="inputPaths"/>, once, in ordinal order of full path, leaving out anything
    /// inside <paramref name="outputDirectory"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">An input path does not exist.</exception>
    public static IReadOnlyList<InputFile> Enumerate(IEnumerable<string> inputPaths, string outputDirectory)
    {
        string outputPrefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory)) + Path.DirectorySeparatorChar;
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string input in inputPaths)
        {
            string full = Path.GetFullPath(input);
            if (File.Exists(full))
            {
                paths.Add(full);
            }
            else if (Directory.Exists(full))
            {
                foreach (string file in Directory.EnumerateFiles(full, "*", s_recursive))
                {
                    paths.Add(Path.GetFullPath(file));
                }
            }
            else
            {
                throw new FileNotFoundException($"InputPaths entry '{input}' is neither a file nor a directory ({full})", full);
            }
        }
        return [.. paths
            .Where(path => !path.StartsWith(outputPrefix, StringComparison.Ordinal))
            .Select(path => new InputFile(path, FormatOf(path), new FileInfo(path).Length))];
    }

    private static InputFormat FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".TXT" => InputFormat.Text,
        ".JSONL" => InputFormat.JsonLines,
        _ => InputFormat.Unsupported,
    };
}
