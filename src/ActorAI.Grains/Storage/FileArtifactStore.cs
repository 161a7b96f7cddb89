using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;

namespace ActorAI.Grains.Storage;

/// <summary>
/// Artifacts as files named by their SHA-256 under a directory (<c>ab/abcdef…</c>), written atomically. On its own it
/// is the store of one process (tests, single-host tools); on a silo it is the local cache under
/// the cluster store. <see cref="StoreId"/> names the directory itself, so a silo that restarts on the
/// same disk is known to hold the same artifacts.
/// </summary>
public sealed class FileArtifactStore : IArtifactStore
{
    private const string StoreIdFile = "store-id";
    private readonly string _root;
    private readonly string _temporary;
    private readonly TimeProvider _clock;

    public FileArtifactStore(string directory, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _root = Path.GetFullPath(directory);
        _temporary = Path.Combine(_root, "tmp");
        _clock = clock ?? TimeProvider.System;
        Directory.CreateDirectory(_temporary);
        StoreId = ReadOrCreateStoreId(_root);
    }

    /// <summary>A stable random id of this store's directory (created on first use).</summary>
    public string StoreId { get; }

    /// <summary>The store's directory.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public string NewTemporaryPath(string extension) => Path.Combine(_temporary, $"{Guid.NewGuid():N}{extension}");

    /// <inheritdoc />
    public async Task<string> ImportAsync(string temporaryPath, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(temporaryPath);
        string sha = await HashAsync(temporaryPath, cancellationToken).ConfigureAwait(false);
        return Import(temporaryPath, sha, expectedSha256);
    }

    /// <summary>
    /// Imports a file whose SHA-256 the caller computed over exactly the bytes it wrote (hashing while receiving saves
    /// reading the file again); refused like <see cref="ImportAsync"/> when it differs from <paramref name="expectedSha256"/>.
    /// </summary>
    internal string ImportHashed(string temporaryPath, string computedSha256, string expectedSha256) =>
        Import(temporaryPath, computedSha256, expectedSha256);

    private string Import(string temporaryPath, string sha, string? expectedSha256)
    {
        if (expectedSha256 is not null && !string.Equals(sha, expectedSha256, StringComparison.Ordinal))
        {
            File.Delete(temporaryPath);
            throw new ArtifactException($"artifact {expectedSha256} was refused: the bytes received hash to {sha}");
        }
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
            throw new ArtifactException($"artifact {sha256} is not in this silo's store");
        }
        string actual = await HashAsync(path, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, sha256, StringComparison.Ordinal))
        {
            throw new ArtifactException($"artifact {sha256} is corrupt: its bytes hash to {actual}");
        }
        return path;
    }

    /// <inheritdoc />
    public Task<ArtifactInfo> DescribeAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(sha256));
        return file.Exists
            ? Task.FromResult(new ArtifactInfo(sha256, file.Length, [StoreId], 1, new DateTimeOffset(file.CreationTimeUtc, TimeSpan.Zero)))
            : throw new ArtifactException($"artifact {sha256} is not in the store");
    }

    /// <summary>Whether this store holds <paramref name="sha256"/> (not verified).</summary>
    public bool Contains(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>The length of a held artifact, or -1.</summary>
    public long LengthOf(string sha256)
    {
        var file = new FileInfo(PathOf(sha256));
        return file.Exists ? file.Length : -1;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes of a held artifact from <paramref name="offset"/> (fewer at its end).</summary>
    /// <exception cref="ArtifactException">The artifact is not held, or the range is invalid.</exception>
    public async Task<byte[]> ReadAsync(string sha256, long offset, int count, CancellationToken cancellationToken = default)
    {
        if (count is < 0 or > ArtifactLimits.MaxChunkBytes || offset < 0)
        {
            throw new ArtifactException($"a read of artifact {sha256} must ask for 0..{ArtifactLimits.MaxChunkBytes} bytes at a non-negative offset (asked {count} at {offset})");
        }
        string path = PathOf(sha256);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            long length = RandomAccess.GetLength(handle);
            int n = (int)Math.Clamp(length - offset, 0, count);
            var buffer = new byte[n];
            int read = 0;
            while (read < n)
            {
                int got = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read), offset + read, cancellationToken).ConfigureAwait(false);
                if (got == 0)
                {
                    break;
                }
                read += got;
            }
            return read == n ? buffer : buffer[..read];
        }
        catch (FileNotFoundException ex)
        {
            throw new ArtifactException($"artifact {sha256} is not in this silo's store", ex);
        }
    }

    /// <summary>Deletes a held artifact (no-op when absent).</summary>
    public void Delete(string sha256) => File.Delete(PathOf(sha256));

    /// <summary>The hashes of every artifact held here.</summary>
    public IEnumerable<string> List() =>
        Directory.EnumerateDirectories(_root)
            .Where(d => Path.GetFileName(d) is { Length: 2 } name && name.All(char.IsAsciiHexDigitLower))
            .SelectMany(Directory.EnumerateFiles)
            .Select(Path.GetFileName)
            .Where(ArtifactLimits.IsSha256)!;

    /// <summary>Deletes temporary files older than <paramref name="age"/> (left by crashed writes and lost uploads).</summary>
    public int DeleteStaleTemporaryFiles(TimeSpan age)
    {
        DateTime cutoff = _clock.GetUtcNow().UtcDateTime - age;
        int deleted = 0;
        foreach (string file in Directory.EnumerateFiles(_temporary))
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff)
            {
                File.Delete(file);
                deleted++;
            }
        }
        return deleted;
    }

    private string PathOf(string sha256) => Path.Combine(_root, ArtifactLimits.RequireSha256(sha256)[..2], sha256);

    private static string ReadOrCreateStoreId(string root)
    {
        string file = Path.Combine(root, StoreIdFile);
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: 32 } existing && existing.All(char.IsAsciiHexDigitLower))
        {
            return existing;
        }
        string id = Guid.NewGuid().ToString("N");
        string temporary = file + ".tmp";
        File.WriteAllText(temporary, id);
        File.Move(temporary, file, overwrite: true);
        return id;
    }

    internal static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
