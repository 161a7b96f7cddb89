using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Pipeline;

/// <summary>
/// An <see cref="IStageTransport"/> over <see cref="StageExecutor"/>s in this process, each stage on the thread pool
/// and one call at a time (as a grain). Every step and output is copied, so nothing aliases between the coordinator and
/// a stage. It records each call's interval and can make a stage lose its KV cache (a reactivation).
/// </summary>
internal sealed class InProcessStages : IStageTransport, IDisposable
{
    private readonly GptStage[] _stages;
    private readonly StageExecutor[] _executors;
    private readonly SemaphoreSlim[] _turns;
    private readonly int _blockSize;
    private readonly int _maxBlocks;
    private readonly int[] _calls;

    public InProcessStages(Gpt model, int stages, int blockSize, int maxBlocks)
    {
        var whole = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _stages = [.. PipelinePartition.Split(model.Config, stages).Select(r => new GptStage(model.Config, r))];
        using (no_grad())
        {
            foreach (GptStage stage in _stages)
            {
                foreach ((string name, Parameter p) in stage.named_parameters())
                {
                    p.copy_(whole[name]);
                }
            }
        }
        _blockSize = blockSize;
        _maxBlocks = maxBlocks;
        _executors = [.. _stages.Select(s => new StageExecutor(s, blockSize, maxBlocks))];
        _turns = [.. _stages.Select(_ => new SemaphoreSlim(1))];
        _calls = new int[stages];
    }

    /// <summary>Per stage, each step call's start and end (Stopwatch ticks) and its tokens, in call order.</summary>
    public List<(int Stage, long Start, long End, int Tokens)> Intervals { get; } = [];

    /// <summary>Called at the start of each step call (stage, that stage's call index) before the stage runs.</summary>
    public Func<int, int, Task>? BeforeCall { get; set; }

    /// <summary>The stage that loses its cache at its <see cref="LoseAtCall"/>-th step call (0-based).</summary>
    public int LoseStage { get; set; } = -1;

    public int LoseAtCall { get; set; } = -1;

    public int Resets { get; private set; }

    public int Calls(int stage) => Volatile.Read(ref _calls[stage]);

    /// <summary>The stage is reactivated: a new executor with no cache epoch.</summary>
    public void Lose(int stage)
    {
        _executors[stage].Dispose();
        _executors[stage] = new StageExecutor(_stages[stage], _blockSize, _maxBlocks);
    }

    public async Task<float[]> StepAsync(int stage, StageStep step, CancellationToken cancellationToken = default)
    {
        StageStep copy = Copy(step);
        await _turns[stage].WaitAsync(cancellationToken);
        try
        {
            int call = _calls[stage]++;
            if (BeforeCall is { } before)
            {
                await before(stage, call);
            }
            if (stage == LoseStage && call == LoseAtCall)
            {
                Lose(stage);
            }
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            float[] output = await Task.Run(() => _executors[stage].Step(copy), cancellationToken);
            lock (Intervals)
            {
                Intervals.Add((stage, start, System.Diagnostics.Stopwatch.GetTimestamp(), step.WriteRows.Length));
            }
            return (float[])output.Clone();
        }
        finally
        {
            _turns[stage].Release();
        }
    }

    public async Task ResetAsync(int stage, CancellationToken cancellationToken = default)
    {
        await _turns[stage].WaitAsync(cancellationToken);
        try
        {
            await Task.Run(_executors[stage].Reset, cancellationToken);
            Resets++;
        }
        finally
        {
            _turns[stage].Release();
        }
    }

    public void Dispose()
    {
        foreach (StageExecutor e in _executors)
        {
            e.Dispose();
        }
        foreach (GptStage s in _stages)
        {
            s.Dispose();
        }
    }

    private static StageStep Copy(StageStep s) => new(
        (long[])s.Tokens.Clone(), (long[])s.Positions.Clone(), (long[])s.WriteRows.Clone(),
        [.. s.Groups.Select(g => g with { Blocks = (int[]?)g.Blocks?.Clone(), Mask = (bool[]?)g.Mask?.Clone(), MaskShape = (long[]?)g.MaskShape?.Clone() })],
        (long[])s.SampleRows.Clone(), (float[])s.Hidden.Clone(), [.. s.Copies]);
}
