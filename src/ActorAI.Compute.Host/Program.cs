using ActorAI.Compute.Host;

return await ComputeHostApp.RunAsync(args);
