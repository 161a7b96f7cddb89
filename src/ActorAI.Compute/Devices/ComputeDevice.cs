using TorchSharp;

namespace ActorAI.Compute.Devices;

/// <summary>Chooses the TorchSharp device at run time: CUDA when present, else CPU.</summary>
public static class ComputeDevice
{
    /// <summary>
    /// Resolves a device preference: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or
    /// <c>cuda:N</c>. Asking for CUDA where none is available is an error rather than a silent CPU fallback.
    /// </summary>
    public static torch.Device Select(string? preference = "auto")
    {
        string choice = string.IsNullOrWhiteSpace(preference) ? "auto" : preference.Trim().ToLowerInvariant();
        if (choice == "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }
        if (choice == "cpu")
        {
            return torch.CPU;
        }
        if (choice == "cuda" || choice.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
            {
                throw new ArgumentException(
                    $"Device '{preference}' was requested but CUDA is not available on this machine " +
                    "(CPU build of LibTorch, or no GPU/driver).", nameof(preference));
            }
            int index = choice == "cuda" ? 0 : ParseIndex(choice, preference);
            int count = torch.cuda.device_count();
            if (index >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(preference),
                    $"Device '{preference}' does not exist: this machine has {count} CUDA device(s).");
            }
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException(
            $"Unknown device '{preference}': expected auto, cpu, cuda or cuda:N.", nameof(preference));
    }

    /// <summary>Sets LibTorch's intra-op thread count; 0 leaves LibTorch's default.</summary>
    public static void SetIntraOpThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (threads > 0)
        {
            torch.set_num_threads(threads);
        }
    }

    private static int ParseIndex(string choice, string? original) =>
        int.TryParse(choice.AsSpan(5), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int index)
            ? index
            : throw new ArgumentException($"Unknown device '{original}': expected cuda:N.", nameof(original));
}
