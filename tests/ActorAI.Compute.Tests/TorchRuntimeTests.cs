using ActorAI.Compute.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void MatmulAndBackwardGiveTheAnalyticGradient()
    {
        using var scope = NewDisposeScope();
        Device device = ComputeDevice.Select("auto");
        // y = sum(x @ w); dy/dw[i,j] = sum over rows of x[:, i].
        Tensor x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 }, device: device);
        Tensor w = ones(3, 2, device: device, requires_grad: true);
        Tensor y = x.matmul(w).sum();
        y.backward();

        Assert.Equal(42f, y.item<float>());
        float[] grad = w.grad!.cpu().data<float>().ToArray();
        Assert.Equal(new float[] { 5, 5, 7, 7, 9, 9 }, grad);
    }

    [Fact]
    public void AutoSelectsCpuWhenCudaIsAbsent()
    {
        Device device = ComputeDevice.Select("auto");
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:x")]
    public void UnknownDeviceNamesAreRejected(string name)
    {
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
        {
            Assert.Throws<ArgumentException>(() => ComputeDevice.Select(name));
            return;
        }
        Assert.ThrowsAny<ArgumentException>(() => ComputeDevice.Select(name));
    }
}

public sealed class HardwareProbeTests
{
    [Fact]
    public void ReportsThisProcessResources()
    {
        HardwareInfo info = HardwareProbe.Read();

        Assert.Equal(Environment.ProcessorCount, info.CpuCores);
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, info.MemoryBytes);
        Assert.True(info.MemoryBytes > 64L << 20, $"memory {info.MemoryBytes} is implausibly small");
        int expectedGpus = cuda.is_available() ? cuda.device_count() : 0;
        Assert.Equal(expectedGpus, info.GpuCount);
        if (info.GpuCount == 0)
        {
            Assert.Equal(0, info.GpuMemoryBytes);
        }
    }
}
