namespace ActorAI.Testing;

/// <summary>An existing directory that is not under a given root, for tests of paths outside the import roots.</summary>
internal static class OutsideDirectory
{
    /// <summary>
    /// The first of /var/tmp, /dev/shm, the home directory and the test's output directory that exists and does not lie
    /// under <paramref name="root"/> (the checkout itself may be under the temp folder, as in a clone made there).
    /// </summary>
    public static string NotUnder(string root)
    {
        string prefix = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        string[] candidates = ["/var/tmp", "/dev/shm", Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), AppContext.BaseDirectory];
        return candidates
            .Where(d => !string.IsNullOrEmpty(d) && Directory.Exists(d))
            .Select(d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar))
            .First(d => !(d + Path.DirectorySeparatorChar).StartsWith(prefix, StringComparison.Ordinal));
    }
}
