using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Devices;

/// <summary>
/// The measured matrix-multiplication peak of a device: the fastest single multiplication of each size over a short
/// window. On a shared machine the best observed rate is the closest estimate of what the cores can do, and it keeps a
/// FLOP fraction (MFU) an honest fraction of it.
/// </summary>
public static class MatmulPeak
{
    /// <summary>The sizes multiplied (n × n by n × n).</summary>
    public static IReadOnlyList<int> Sizes { get; } = [512, 1024, 2048];

    /// <summary>FLOP/s of each size's fastest multiplication, in the order of <see cref="Sizes"/>.</summary>
    public static double[] Measure(Device device, double secondsPerSize = 0.6)
    {
        ArgumentNullException.ThrowIfNull(device);
        var rates = new double[Sizes.Count];
        for (int i = 0; i < rates.Length; i++)
        {
            int n = Sizes[i];
            using var scope = NewDisposeScope();
            Tensor a = randn(n, n, device: device), b = randn(n, n, device: device);
            a.matmul(b).Dispose();
            double fastest = double.MaxValue;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < secondsPerSize)
            {
                long start = Stopwatch.GetTimestamp();
                a.matmul(b).Dispose();
                if (device.type == DeviceType.CUDA)
                {
                    cuda.synchronize();
                }
                fastest = Math.Min(fastest, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            rates[i] = 2.0 * n * n * n / fastest;
        }
        return rates;
    }
}
