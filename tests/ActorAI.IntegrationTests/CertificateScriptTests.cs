using ActorAI.Client;
using ActorAI.IntegrationTests.Infrastructure;

namespace ActorAI.IntegrationTests;

/// <summary><c>scripts/certs.sh</c> makes a CA and certificates that silos and clients load as they are.</summary>
public sealed class CertificateScriptTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task IssuedCertificatesLoadUnderTheirCaAndReRunsKeepThem()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("scripts/certs.sh needs bash and openssl (ActorAI builds for linux-x64)");
        }
        string script = Path.Combine(TestPaths.RepositoryRoot, "scripts", "certs.sh");
        string dir = _dir.Combine("pki");

        ProcessResult ca = await ProcessRunner.RunAsync("bash", [script, "ca", dir]);
        ProcessResult issued = await ProcessRunner.RunAsync("bash", [script, "issue", dir, "silo-0", "10.0.0.5", "node1.example"]);
        byte[] first = await File.ReadAllBytesAsync(Path.Combine(dir, "silo-0.crt"));
        ProcessResult again = await ProcessRunner.RunAsync("bash", [script, "issue", dir, "silo-0"]);
        ProcessResult other = await ProcessRunner.RunAsync("bash", [script, "ca", _dir.Combine("other")]);
        ProcessResult stranger = await ProcessRunner.RunAsync("bash", [script, "issue", _dir.Combine("other"), "stranger"]);

        Assert.True(ca.ExitCode == 0 && issued.ExitCode == 0 && again.ExitCode == 0 && other.ExitCode == 0 && stranger.ExitCode == 0,
            ca.StandardError + issued.StandardError + again.StandardError + other.StandardError + stranger.StandardError);
        Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(dir, "silo-0.crt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "silo-0.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "ca.key")));
        using ClusterCertificates silo = ClusterCertificates.Load(Path.Combine(dir, "silo-0.crt"), Path.Combine(dir, "silo-0.key"), Path.Combine(dir, "ca.crt"));
        Assert.True(silo.Certificate.HasPrivateKey);
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => ClusterCertificates.Load(
            _dir.Combine("other", "stranger.crt"), _dir.Combine("other", "stranger.key"), Path.Combine(dir, "ca.crt")));
    }
}
