using System.Collections.Concurrent;
using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Models;
using ActorAI.Grains.Serving;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Grains.Tests.Serving;

/// <summary>
/// The test silos' model loader: as the real one, except that the next loads of a model armed with
/// <see cref="FailNextLoads"/> get a model whose forward pass throws — as a failing device would — so the replica's
/// decode loop faults on its first request. The silos run in the test process, so arming is a static registry.
/// </summary>
internal sealed class FaultInjectingModelLoader : ServingModelLoader
{
    private static readonly ConcurrentDictionary<string, int> Armed = new(StringComparer.Ordinal);

    public static void FailNextLoads(string model, int count) => Armed[model] = count;

    public override Gpt Load(ReplicaSpec spec, string checkpointPath)
    {
        Gpt model = base.Load(spec, checkpointPath);
        if (TakeOne(spec.Model))
        {
            var norm = (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == "transformer.ln_f").module;
            norm.register_forward_pre_hook((_, _) => throw new InvalidOperationException("injected fault: the device failed during a forward pass"));
        }
        return model;
    }

    private static bool TakeOne(string model)
    {
        while (Armed.TryGetValue(model, out int left) && left > 0)
        {
            if (Armed.TryUpdate(model, left - 1, left))
            {
                return true;
            }
        }
        return false;
    }
}
