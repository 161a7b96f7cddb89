using System.Text.Json;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Rendering;

namespace ActorAI.Cli.Tests.Training;

public sealed class TrainingJobRenderingTests
{
    private static readonly TrainingJobInfo Running = Samples.Info("job-1", Samples.Spec(steps: 1000), TrainingJobStatus.Running, step: 120, recoveries: 1)
        with { Workers = 4 };

    [Fact]
    public void ProgressLineShowsStepLossSpeedPhasesWorkersAndRecoveries()
    {
        string line = TrainingJobRendering.ProgressLine(Running, Samples.Metrics(120, loss: 2.34567));

        Assert.Equal(
            "job-1: running step 120/1,000 (12%) · loss 2.3457 · 12,345 tok/s · pull 12 · compute 85 · push 10 · apply 5.3 ms · 4 workers · 1 recovery",
            line);
    }

    [Fact]
    public void ProgressLineBeforeTheFirstStep()
    {
        string line = TrainingJobRendering.ProgressLine(Samples.Info("job-1", Samples.Spec(), TrainingJobStatus.Pending, step: 0), null);

        Assert.Equal("job-1: pending step 0/100 (0%) · no step finished yet · 2 workers · 0 recoveries", line);
    }

    [Fact]
    public void OutcomesSayHowTheJobEnded()
    {
        TrainingJobSpec spec = Samples.Spec(steps: 50);

        Assert.Equal("Training job j succeeded after 50 steps, final loss 1.5000; result ab12cd34ef56ab12cd34ef56.",
            TrainingJobRendering.Outcome(Samples.Info("j", spec, TrainingJobStatus.Succeeded, 50, last: Samples.Metrics(50, 1.5))));
        Assert.Equal("Training job j failed at step 7/50: dataset '/d' is unreadable",
            TrainingJobRendering.Outcome(Samples.Info("j", spec, TrainingJobStatus.Failed, 7, "dataset '/d' is unreadable")));
        Assert.Equal("Training job j was cancelled at step 9/50",
            TrainingJobRendering.Outcome(Samples.Info("j", spec, TrainingJobStatus.Cancelled, 9)));
    }

    [Fact]
    public void TableHasARowPerJobAndCounts()
    {
        var output = new StringWriter();

        TrainingJobRendering.WriteTable([Running, Samples.Info("job-2", Samples.Spec(), TrainingJobStatus.Failed, 3, "boom")], output);

        string[] lines = output.ToString().Split('\n');
        string header = Assert.Single(lines, l => l.Contains("Job", StringComparison.Ordinal) && l.Contains("Status", StringComparison.Ordinal));
        foreach (string column in (string[])["Step", "Workers", "Shards", "Mode", "Loss", "Updated (UTC)"])
        {
            Assert.Contains(column, header, StringComparison.Ordinal);
        }
        string row = Assert.Single(lines, l => l.Contains("job-1", StringComparison.Ordinal));
        Assert.Contains("120/1,000", row, StringComparison.Ordinal);
        Assert.Contains("2026-11-23 10:02:00", row, StringComparison.Ordinal);
        Assert.Contains("2 jobs: 1 running, 1 failed", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyListSaysHowToStart()
    {
        var output = new StringWriter();

        TrainingJobRendering.WriteTable([], output);

        Assert.Equal("No training jobs. Start one with `actorai train --data DIR`.", output.ToString().Trim());
    }

    [Fact]
    public void JsonUsesCamelCaseAndStatusNames()
    {
        using JsonDocument json = JsonDocument.Parse(TrainingJobRendering.ToJson(Running, [Samples.Metrics(120)]));

        JsonElement job = json.RootElement.GetProperty("job");
        Assert.Equal("running", job.GetProperty("status").GetString());
        Assert.Equal(120, job.GetProperty("step").GetInt64());
        Assert.Equal(1000, job.GetProperty("spec").GetProperty("steps").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("lastCheckpoint").ValueKind);
        Assert.Equal(85.1, json.RootElement.GetProperty("recentMetrics")[0].GetProperty("computeMs").GetDouble());
    }

    [Fact]
    public void DetailsWithoutMetricsOrCheckpoint()
    {
        var output = new StringWriter();

        TrainingJobRendering.WriteDetails(Running with { Reason = "paused by a refused step" }, [], output);

        string text = output.ToString();
        Assert.Contains("none yet", text, StringComparison.Ordinal);
        Assert.Contains("(paused by a refused step)", text, StringComparison.Ordinal);
        Assert.Contains("4 (4 of 16 rows per step each; 2 at submission)", text, StringComparison.Ordinal);
        Assert.Contains("No steps recorded yet.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DetailsShowThePipelineOnlyWhenSplit()
    {
        var pipelined = new StringWriter();
        var plain = new StringWriter();

        TrainingJobRendering.WriteDetails(Running with { Spec = Running.Spec with { Stages = 2, MicroBatches = 4 } }, [], pipelined);
        TrainingJobRendering.WriteDetails(Running, [], plain);

        Assert.Contains("2 stages per worker, 4 micro-batches per step", pipelined.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Pipeline", plain.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DetailsAndOutcomeShowTheLatestHeldOutEvaluation()
    {
        TrainingMetrics evaluated = Samples.Metrics(100, loss: 2.5) with { ValidationLoss = 1.234567, ValidationBitsPerByte = 2.0412 };
        var output = new StringWriter();

        TrainingJobRendering.WriteDetails(Running, [evaluated, Samples.Metrics(120, loss: 2.4)], output);
        string outcome = TrainingJobRendering.Outcome(Running with { Status = TrainingJobStatus.Succeeded, LastMetrics = evaluated with { Step = 1000 } });
        var before = new StringWriter();
        TrainingJobRendering.WriteDetails(Running, [Samples.Metrics(120, loss: 2.4)], before);

        Assert.Contains("loss 1.2346, 2.041 bits/byte at step 100 (evaluated every 50 steps and at the end)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("held-out 1.2346, 2.041 bits/byte", outcome, StringComparison.Ordinal);
        Assert.Contains("not evaluated yet (every 50 steps and at the end)", before.ToString(), StringComparison.Ordinal);
    }
}
