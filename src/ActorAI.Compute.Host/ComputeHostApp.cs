using System.CommandLine;
using ActorAI.Compute.Host.Commands;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Compute.Host;

/// <summary>The <c>actorai-compute</c> command tree: train, generate, bench.</summary>
internal static class ComputeHostApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("actorai-compute — runs ActorAI's compute (LibTorch) in this process: train, generate, bench.")
        {
            TrainCommand.Create(),
            GenerateCommand.Create(),
            BenchCommand.Create(),
        };
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is ArgumentException or DatasetFormatException or SafeTensorsFormatException or NonFiniteGradientException or FileNotFoundException or DirectoryNotFoundException)
        {
            await Console.Error.WriteLineAsync($"actorai-compute: {ex.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("actorai-compute: cancelled");
            return 130;
        }
    }
}
