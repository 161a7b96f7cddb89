using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Models;

namespace ActorAI.Grains.Serving;

/// <summary>
/// Loads the model a replica serves from its verified checkpoint file, on this silo's device. A service so that a silo
/// (or a test) can decorate what is loaded.
/// </summary>
internal class ServingModelLoader
{
    public virtual Gpt Load(ReplicaSpec spec, string checkpointPath) => GptCheckpoint.Load(checkpointPath, ComputeDevice.Select());
}
