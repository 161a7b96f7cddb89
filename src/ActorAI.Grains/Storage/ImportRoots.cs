namespace ActorAI.Grains.Storage;

/// <summary>
/// The directories a silo reads user-named files from (checkpoint imports). A path resolves only when its final
/// target — every symbolic link along it followed — is a regular file strictly under one of the roots, whose own links
/// are resolved too. With no roots every path is refused.
/// </summary>
public sealed class ImportRoots
{
    // Links followed while resolving one path before it is refused (Linux's own limit is 40).
    private const int MaxLinks = 40;

    private readonly string[] _roots;

    /// <summary>Creates the policy; relative roots are taken from the current directory.</summary>
    public ImportRoots(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _roots = [.. roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Path.GetFullPath(r))];
    }

    /// <summary>The configured roots, as full paths.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>
    /// The real path of the regular file <paramref name="userPath"/> names, when it lies under a root; otherwise
    /// <see langword="null"/>, without saying why (outside the roots, missing, not a file or unreadable look alike, so
    /// the answer tells a caller nothing about files outside the roots).
    /// </summary>
    public string? Resolve(string? userPath)
    {
        if (_roots.Length == 0 || string.IsNullOrWhiteSpace(userPath) || !Path.IsPathFullyQualified(userPath))
        {
            return null;
        }
        try
        {
            string? target = RealPath(userPath);
            if (target is null || !File.Exists(target) || (File.GetAttributes(target) & FileAttributes.Directory) != 0)
            {
                return null;
            }
            foreach (string root in _roots)
            {
                if (RealPath(root) is { } realRoot && IsUnder(target, realRoot))
                {
                    return target;
                }
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static bool IsUnder(string path, string root)
    {
        string prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length;
    }

    /// <summary>
    /// Follows every symbolic link in <paramref name="path"/>, component by component (a link may point at another
    /// link, at a relative target, or sit in a parent directory); null when a component is missing or links loop.
    /// </summary>
    private static string? RealPath(string path)
    {
        // Not Path.GetFullPath: it folds "link/.." lexically, where the file system goes up from the link's target.
        var pending = new Stack<string>(path.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        string current = Path.GetPathRoot(path)!;
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (!info.Exists && !Directory.Exists(next))
            {
                return null;
            }
            if (info.LinkTarget is { } linkTarget)
            {
                if (++links > MaxLinks)
                {
                    return null;
                }
                // The link's target replaces this component; absolute targets restart from the root.
                foreach (string piece in linkTarget.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(piece);
                }
                if (Path.IsPathRooted(linkTarget))
                {
                    current = Path.GetPathRoot(linkTarget)!;
                }
                continue;
            }
            current = next;
        }
        return current;
    }
}
