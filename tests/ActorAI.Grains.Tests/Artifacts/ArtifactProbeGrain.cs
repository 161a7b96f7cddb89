using ActorAI.Grains.Artifacts;
using ActorAI.Grains.Storage;

namespace ActorAI.Grains.Tests.Artifacts;

/// <summary>Reads artifacts through the artifact store of one chosen silo (key: that silo's store id).</summary>
public interface IArtifactProbeGrain : IGrainWithStringKey
{
    /// <summary>Opens the artifact through the silo's store and returns its bytes.</summary>
    Task<byte[]> ReadAsync(string sha256);

    /// <summary>Writes bytes through the silo's store; returns the hash.</summary>
    Task<string> WriteAsync(byte[] data);
}

[ArtifactHostPlacement]
internal sealed class ArtifactProbeGrain(IArtifactStore artifacts) : Grain, IArtifactProbeGrain
{
    public async Task<byte[]> ReadAsync(string sha256) => await File.ReadAllBytesAsync(await artifacts.OpenVerifiedAsync(sha256));

    public async Task<string> WriteAsync(byte[] data)
    {
        string path = artifacts.NewTemporaryPath(".bin");
        await File.WriteAllBytesAsync(path, data);
        return await artifacts.ImportAsync(path);
    }
}
