namespace ActorAI.Silo.Options;

/// <summary>Where the content-addressed artifact store keeps tensors. Section <c>Artifacts</c>.</summary>
public sealed class ArtifactStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Artifacts";

    /// <summary>Directory of the store; relative paths are under the current directory. Default <c>~/.actorai/artifacts</c>.</summary>
    public string Directory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".actorai", "artifacts");
}
