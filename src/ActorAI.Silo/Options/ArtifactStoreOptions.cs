namespace ActorAI.Silo.Options;

/// <summary>Where the content-addressed artifact store keeps tensors. Section <c>Artifacts</c>.</summary>
public sealed class ArtifactStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Artifacts";

    /// <summary>Directory of the store; relative paths are under the current directory. Default <c>~/.actorai/artifacts</c>.</summary>
    public string Directory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".actorai", "artifacts");

    /// <summary>
    /// Directories checkpoint imports (<c>actorai models register --checkpoint</c>, <c>checkpoint_path</c> of the admin
    /// API) may read from; relative entries are under the current directory. A path resolves only when its final
    /// target, symbolic links followed, is a file under one of them. Default empty: every import is refused. The dev
    /// profile allows the silo's current directory.
    /// </summary>
    public List<string> ImportRoots { get; set; } = [];
}
