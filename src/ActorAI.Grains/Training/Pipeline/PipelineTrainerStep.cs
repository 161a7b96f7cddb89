using System.Diagnostics;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Pipeline;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;
using ActorAI.Grains.Datasets;

namespace ActorAI.Grains.Training.Pipeline;

/// <summary>
/// A trainer's step when its model is split into stages (GPipe): the trainer reads its rank's batch, splits it into
/// micro-batches and drives its stage grains — every stage pulls its parameters; micro-batch m enters stage s once it
/// has left stage s − 1 and micro-batch m − 1 has left stage s, so the stages work on different micro-batches at once;
/// backward runs the same way from the last stage to the first; then every stage pushes its gradient as this rank's.
/// Activations and their gradients pass through the trainer, in parts of at most one message. The trainer holds no
/// model and no parameters.
/// <para>
/// Loss scaling: each micro-batch's mean loss is scaled by 1 / (K × M), so that over K pipelines of M micro-batches of
/// equal rows the shards' sum is the gradient of the global batch's mean loss — the reference loop's.
/// </para>
/// </summary>
internal sealed class PipelineTrainerStep(IGrainFactory grains) : IDisposable
{
    private DatasetTrainingData? _data;
    private (string Directory, int Rows, long Seed)? _opened;

    public async Task<TrainerStepResult> RunAsync(TrainerStepRequest request, LocalDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataset);
        TrainingJobSpec spec = request.Spec;
        int stages = spec.Stages ?? 1;
        TokenBatch batch = await Task.Run(() => Data(spec, dataset).GetBatch(request.Step, request.Rank, request.WorldSize));
        int count = Compute.Pipeline.MicroBatches.Count(stages, batch.Rows, spec.MicroBatches);
        IReadOnlyList<TokenBatch> micro = Compute.Pipeline.MicroBatches.Split(batch, count);
        ITrainerStageGrain[] stage = [.. Enumerable.Range(0, stages).Select(s => grains.GetGrain<ITrainerStageGrain>(TrainerStageGrain.Key(request.JobId, request.Rank, s)))];
        double scale = 1.0 / ((double)request.WorldSize * count);

        var clock = Stopwatch.StartNew();
        StageExchange[] pulls = await Task.WhenAll(stage.Select((g, s) =>
            g.BeginStepAsync(new StageStepRequest(request.JobId, spec, request.Step, request.Rank, request.WorldSize, s, scale))));
        double pullMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var busy = new double[stages];
        var losses = new double[count];
        // done[m, s]: micro-batch m has left stage s (forward), carrying its output.
        var forward = new Task<StageTensor?>[count, stages];
        for (int m = 0; m < count; m++)
        {
            for (int s = 0; s < stages; s++)
            {
                int mm = m, ss = s;
                Task<StageTensor?>? input = s > 0 ? forward[m, s - 1] : null;
                Task? previous = m > 0 ? forward[m - 1, s] : null;
                forward[m, s] = StepAsync(previous, input, async x =>
                {
                    StageTensor? last = await SendAsync(stage[ss], request.Step, mm, x);
                    StageResult result = await stage[ss].ForwardAsync(new StageForward(
                        request.Step, mm, micro[mm].Rows, ss == 0 ? micro[mm].Inputs : null, ss == stages - 1 ? micro[mm].Targets : null, last));
                    busy[ss] += result.BusyMs;
                    losses[mm] = result.Loss;
                    return await ReceiveAsync(stage[ss], request.Step, mm, result.Output);
                });
            }
        }
        var backward = new Task<StageTensor?>[count, stages];
        for (int m = 0; m < count; m++)
        {
            for (int s = stages - 1; s >= 0; s--)
            {
                int mm = m, ss = s;
                Task<StageTensor?>? gradient = s < stages - 1 ? backward[m, s + 1] : null;
                Task previous = m > 0 ? backward[m - 1, s] : forward[count - 1, stages - 1]; // every forward before any backward
                backward[m, s] = StepAsync(previous, gradient, async g =>
                {
                    StageTensor? last = await SendAsync(stage[ss], request.Step, mm, g);
                    StageResult result = await stage[ss].BackwardAsync(new StageBackward(request.Step, mm, last));
                    busy[ss] += result.BusyMs;
                    return await ReceiveAsync(stage[ss], request.Step, mm, result.Output);
                });
            }
        }
        await Task.WhenAll(backward.Cast<Task>().Concat(forward.Cast<Task>()));
        double computeMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        long tiedBytes = await stage[^1].SendTiedGradientAsync(request.Step);
        StageExchange[] pushes = await Task.WhenAll(stage.Select(g => g.PushAsync(request.Step)));
        double pushMs = clock.Elapsed.TotalMilliseconds;

        long bytes = pulls.Sum(p => p.Bytes) + pushes.Sum(p => p.Bytes) + tiedBytes + Transferred(forward) + Transferred(backward);
        return new TrainerStepResult(losses.Average(), pullMs, computeMs, pushMs, bytes) { StageBusyMs = busy };

        // Waits for the micro-batch ahead at this stage, then relays the input (assembled from its parts) to the call.
        async Task<StageTensor?> StepAsync(Task? previous, Task<StageTensor?>? input, Func<StageTensor?, Task<StageTensor?>> call)
        {
            if (previous is not null)
            {
                await previous;
            }
            StageTensor? x = input is null ? null : await input;
            return await call(x);
        }
    }

    public void Dispose() => _data?.Dispose();

    // Sends all but the last part of a tensor ahead of the call, which carries the last (the whole, when it fits).
    private static async Task<StageTensor?> SendAsync(ITrainerStageGrain stage, long step, int micro, StageTensor? whole)
    {
        if (whole is null)
        {
            return null;
        }
        IReadOnlyList<StageTensor> parts = StageTensor.Parts(whole.Shape, whole.Values, TrainingModel.ChunkFloats);
        foreach (StageTensor part in parts.Take(parts.Count - 1))
        {
            await stage.WriteAsync(step, micro, part);
        }
        return parts[^1];
    }

    // The whole output of a call, reading the parts after the first when it did not fit one message.
    private static async Task<StageTensor?> ReceiveAsync(ITrainerStageGrain stage, long step, int micro, StageTensor? first)
    {
        if (first is null || first.Values.Length == first.Elements)
        {
            return first;
        }
        var values = new float[first.Elements];
        first.Values.CopyTo(values, 0);
        for (int at = first.Values.Length; at < values.Length;)
        {
            StageTensor part = await stage.ReadAsync(step, micro, at);
            part.Values.CopyTo(values, part.Offset);
            at += part.Values.Length;
        }
        return new StageTensor(first.Shape, 0, values);
    }

    private static long Transferred(Task<StageTensor?>[,] calls) =>
        calls.Cast<Task<StageTensor?>>().Sum(t => t.Result is { } x ? 2L * x.Elements * sizeof(float) : 0); // stage → trainer → stage

    private DatasetTrainingData Data(TrainingJobSpec spec, LocalDataset dataset)
    {
        (string, int, long) key = (dataset.Directory, spec.GlobalBatchRows, spec.Seed);
        if (_data is null || _opened != key)
        {
            _data?.Dispose();
            _data = new DatasetTrainingData(dataset.Directory, spec.GlobalBatchRows, (ulong)spec.Seed);
            _opened = key;
        }
        return _data;
    }
}
