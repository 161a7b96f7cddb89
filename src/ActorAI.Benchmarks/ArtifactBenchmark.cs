using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Client;
using static ActorAI.Benchmarks.ServingBenchmark;

namespace ActorAI.Benchmarks;

/// <summary>
/// The artifact plane across hosts: upload throughput (client → silo, acknowledged once on two stores), then a host is
/// killed and the time until every artifact is back to two live copies is measured, with the re-copy throughput
/// between the surviving hosts as the headline. <c>tcp-sink</c>/<c>tcp-send</c> measure a plain TCP stream between
/// two hosts, the baseline (the most any copy over that network can do).
/// </summary>
internal static class ArtifactBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        int sizeMb = int.Parse(Arg(args, "--size-mb") ?? "128", CultureInfo.InvariantCulture);
        int count = int.Parse(Arg(args, "--count") ?? "4", CultureInfo.InvariantCulture);
        double tcp = double.Parse(Arg(args, "--tcp-mb-per-s") ?? "NaN", CultureInfo.InvariantCulture);
        string disk = Arg(args, "--disk-dir") ?? Path.GetTempPath();
        string kill = Arg(args, "--kill") ?? throw new ArgumentException("--kill CMD (the command that kills one host's silo) is required");
        var options = new ActorAIClientOptions { ConnectTimeout = TimeSpan.FromSeconds(60) };
        if (Arg(args, "--gateway") is { } gateways)
        {
            options.Gateways = [.. gateways.Split(',')];
        }
        options.ClusterId = Arg(args, "--cluster-id") ?? options.ClusterId;
        options.TlsCertificatePath = Arg(args, "--tls-cert");
        options.TlsKeyPath = Arg(args, "--tls-key");
        options.TlsCaPath = Arg(args, "--tls-ca");
        await using ActorAIClient client = await ActorAIClient.ConnectAsync(options);
        Print("silos", (await client.GetSilosAsync()).Count(s => s.Status == Abstractions.Cluster.SiloState.Active));
        Print("artifact_mb", sizeMb);
        Print("artifacts", count);

        var uploaded = new List<ArtifactInfo>();
        var rates = new List<double>();
        string file = Path.Combine(Path.GetTempPath(), $"actorai-bench-artifact-{Environment.ProcessId}.bin");
        try
        {
            for (int i = 0; i < count; i++)
            {
                await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(sizeMb << 20));
                var watch = Stopwatch.StartNew();
                ArtifactInfo info = await client.UploadArtifactAsync(file);
                rates.Add(info.Size / 1e6 / watch.Elapsed.TotalSeconds);
                uploaded.Add(info);
                if (info.LiveCopies < 2)
                {
                    throw new InvalidOperationException($"artifact {info.Sha256} was acknowledged with {info.LiveCopies} live copies; the benchmark needs 2");
                }
            }
        }
        finally
        {
            File.Delete(file);
        }
        Print("upload_mb_per_s", rates.Order().ElementAt(rates.Count / 2));
        Print("upload_mb_per_s_min", rates.Min());
        Print("upload_mb_per_s_max", rates.Max());

        // The other bound of any durable copy: writing the same bytes to this machine's disk and flushing them.
        double diskRate = DurableWriteRate(disk, sizeMb);
        Print("disk_fsync_mb_per_s", diskRate);
        double peak = double.IsNaN(tcp) ? diskRate : Math.Min(tcp, diskRate);
        Print("peak_mb_per_s", peak);

        var shas = uploaded.Select(u => u.Sha256).ToHashSet(StringComparer.Ordinal);
        var killWatch = Stopwatch.StartNew();
        using (Process killer = Process.Start("bash", ["-c", kill]))
        {
            await killer.WaitForExitAsync();
        }
        double detected = double.NaN;
        long bytes = 0;
        while (killWatch.Elapsed < TimeSpan.FromMinutes(5))
        {
            IReadOnlyList<ArtifactInfo> now;
            try
            {
                now = [.. (await client.ListArtifactsAsync().WaitAsync(TimeSpan.FromSeconds(10))).Where(a => shas.Contains(a.Sha256))];
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A directory partition lived on the killed silo: it answers again once the silo is declared dead.
                await Task.Delay(50);
                continue;
            }
            if (double.IsNaN(detected) && now.Any(a => a.LiveCopies < 2))
            {
                detected = killWatch.Elapsed.TotalSeconds;
                bytes = now.Where(a => a.LiveCopies < 2).Sum(a => a.Size);
            }
            if (!double.IsNaN(detected) && now.All(a => a.LiveCopies >= 2))
            {
                double repaired = killWatch.Elapsed.TotalSeconds;
                Print("loss_detected_s", detected);
                Print("rereplicated_mb", bytes / 1e6);
                Print("rereplicate_s", repaired);
                Print("rereplicate_after_detection_s", repaired - detected);
                double rate = bytes / 1e6 / (repaired - detected);
                Print("transfer_fraction_of_peak", rate / peak);
                Print("transfer_mb_per_s", rate);
                return 0;
            }
            await Task.Delay(50);
        }
        Console.Error.WriteLine("actorai-bench artifacts: the artifacts were not back to 2 live copies within 5 minutes");
        return 1;
    }

    private static double DurableWriteRate(string directory, int sizeMb)
    {
        string path = Path.Combine(directory, $"actorai-bench-disk-{Environment.ProcessId}.bin");
        byte[] block = RandomNumberGenerator.GetBytes(4 << 20);
        try
        {
            var watch = Stopwatch.StartNew();
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                for (long written = 0; written < (long)sizeMb << 20; written += block.Length)
                {
                    file.Write(block);
                }
                file.Flush(flushToDisk: true);
            }
            return ((long)sizeMb << 20) / 1e6 / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Accepts one TCP connection on <c>--listen IP:PORT</c>, reads it to the end, prints the throughput.</summary>
    public static async Task<int> TcpSinkAsync(string[] args)
    {
        IPEndPoint at = IPEndPoint.Parse(Arg(args, "--listen") ?? throw new ArgumentException("--listen IP:PORT is required"));
        using var listener = new TcpListener(at);
        listener.Start();
        Console.Error.WriteLine($"listening on {at}");
        using TcpClient peer = await listener.AcceptTcpClientAsync();
        await using NetworkStream stream = peer.GetStream();
        var buffer = new byte[4 << 20];
        long total = 0;
        var watch = Stopwatch.StartNew();
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }
        Print("tcp_mb_per_s", total / 1e6 / watch.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>Sends <c>--mb</c> MB of random bytes to <c>--to IP:PORT</c> over one TCP connection.</summary>
    public static async Task<int> TcpSendAsync(string[] args)
    {
        IPEndPoint to = IPEndPoint.Parse(Arg(args, "--to") ?? throw new ArgumentException("--to IP:PORT is required"));
        int mb = int.Parse(Arg(args, "--mb") ?? "1024", CultureInfo.InvariantCulture);
        using var client = new TcpClient();
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await client.ConnectAsync(to);
                break;
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Delay(100); // the sink is starting in the other host
            }
        }
        await using NetworkStream stream = client.GetStream();
        byte[] buffer = RandomNumberGenerator.GetBytes(4 << 20);
        for (long sent = 0; sent < (long)mb << 20; sent += buffer.Length)
        {
            await stream.WriteAsync(buffer);
        }
        return 0;
    }
}
