using System.Runtime.InteropServices;
using TorchSharp;

namespace ActorAI.Compute.Devices;

/// <summary>What this machine offers the process: CPU cores, memory, and the GPUs TorchSharp can use.</summary>
/// <param name="CpuCores">Logical cores available to this process.</param>
/// <param name="MemoryBytes">Memory available to this process (respects a container limit).</param>
/// <param name="GpuCount">CUDA devices visible to TorchSharp (0 on a CPU build of LibTorch).</param>
/// <param name="GpuMemoryBytes">Total memory of those devices from NVML; 0 when NVML is not present.</param>
public sealed record HardwareInfo(int CpuCores, long MemoryBytes, int GpuCount, long GpuMemoryBytes);

/// <summary>Reads <see cref="HardwareInfo"/> for the current process.</summary>
public static class HardwareProbe
{
    /// <summary>Probes CPU, memory and GPUs. Loads LibTorch if it is not loaded yet.</summary>
    public static HardwareInfo Read()
    {
        int gpus = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        return new HardwareInfo(
            Environment.ProcessorCount,
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            gpus,
            gpus > 0 ? Nvml.TotalMemoryBytes(gpus) : 0);
    }

    // TorchSharp exposes device counts but not device memory; NVML (shipped with the NVIDIA driver) does.
    private static class Nvml
    {
        private const string Library = "libnvidia-ml.so.1";

        [StructLayout(LayoutKind.Sequential)]
        private struct Memory
        {
            public ulong Total;
            public ulong Free;
            public ulong Used;
        }

        private delegate int InitFn();
        private delegate int GetHandleFn(uint index, out IntPtr device);
        private delegate int GetMemoryFn(IntPtr device, out Memory memory);

        public static long TotalMemoryBytes(int deviceCount)
        {
            if (!NativeLibrary.TryLoad(Library, out IntPtr lib))
            {
                return 0;
            }
            try
            {
                var init = Get<InitFn>(lib, "nvmlInit_v2");
                var getHandle = Get<GetHandleFn>(lib, "nvmlDeviceGetHandleByIndex_v2");
                var getMemory = Get<GetMemoryFn>(lib, "nvmlDeviceGetMemoryInfo");
                var shutdown = Get<InitFn>(lib, "nvmlShutdown");
                if (init is null || getHandle is null || getMemory is null || init() != 0)
                {
                    return 0;
                }
                long total = 0;
                for (uint i = 0; i < deviceCount; i++)
                {
                    if (getHandle(i, out IntPtr device) == 0 && getMemory(device, out Memory memory) == 0)
                    {
                        total += (long)memory.Total;
                    }
                }
                shutdown?.Invoke();
                return total;
            }
            finally
            {
                NativeLibrary.Free(lib);
            }
        }

        private static T? Get<T>(IntPtr lib, string name) where T : Delegate =>
            NativeLibrary.TryGetExport(lib, name, out IntPtr fn) ? Marshal.GetDelegateForFunctionPointer<T>(fn) : null;
    }
}
