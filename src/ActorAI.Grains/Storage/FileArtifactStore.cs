using System.Security.Cryptography;

namespace ActorAI.Grains.Storage;

/// <summary>Artifacts as files named by their SHA-256 under a directory (<c>ab/abcdef…</c>), written atomically.</summary>
public sealed class FileArtifactStore : IArtifactStore
{
    private readonly string _root;
    private readonly string _temporary;

    public FileArtifactStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _root = Path.GetFullPath(directory);
        _temporary = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_temporary);
    }

    /// <inheritdoc />
    public string NewTemporaryPath(string extension) => Path.Combine(_temporary, $"{Guid.NewGuid():N}{extension}");

    /// <inheritdoc />
    public async Task<string> ImportAsync(string temporaryPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(temporaryPath);
        string sha = await HashAsync(temporaryPath, cancellationToken).ConfigureAwait(false);
        string target = PathOf(sha);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using (var handle = File.OpenHandle(temporaryPath, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.FlushToDisk(handle);
        }
        if (File.Exists(target))
        {
            File.Delete(temporaryPath); // same content already stored
        }
        else
        {
            File.Move(temporaryPath, target);
        }
        return sha;
    }

    /// <inheritdoc />
    public async Task<string> OpenVerifiedAsync(string sha256, CancellationToken cancellationToken = default)
    {
        string path = PathOf(sha256);
        if (!File.Exists(path))
        {
            throw new ArtifactException($"artifact {sha256} is not in the store at {_root}");
        }
        string actual = await HashAsync(path, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, sha256, StringComparison.Ordinal))
        {
            throw new ArtifactException($"artifact {sha256} is corrupt: its bytes hash to {actual}");
        }
        return path;
    }

    /// <inheritdoc />
    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    private string PathOf(string sha256)
    {
        if (sha256 is not { Length: 64 } || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArtifactException($"'{sha256}' is not a lower-case SHA-256 hex digest");
        }
        return Path.Combine(_root, sha256[..2], sha256);
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
