using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorAI.Abstractions.Training;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Training jobs as tables, details, JSON and one-line progress.</summary>
internal static class TrainingJobRendering
{
    /// <summary>Metrics rows <c>actorai jobs show</c> prints by default.</summary>
    public const int RecentMetrics = 10;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string ToJson(IReadOnlyList<TrainingJobInfo> jobs) => JsonSerializer.Serialize(jobs, Json);

    public static string ToJson(TrainingJobInfo job, IReadOnlyList<TrainingMetrics> recentMetrics) =>
        JsonSerializer.Serialize(new { job, recentMetrics }, Json);

    /// <summary>One row per job: id, status, step/steps, workers, shards, mode, last loss, last update.</summary>
    public static void WriteTable(IReadOnlyList<TrainingJobInfo> jobs, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        if (jobs.Count == 0)
        {
            console.WriteLine("No training jobs. Start one with `actorai train --data DIR`.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Job", "Status", "Step", "Workers", "Shards", "Mode", "Loss", "Updated (UTC)");
        foreach (int column in (int[])[2, 3, 4, 6])
        {
            table.Columns[column].RightAligned();
        }
        foreach (TrainingJobInfo job in jobs)
        {
            table.AddRow(
                Markup.Escape(job.JobId),
                StatusMarkup(job.Status),
                $"{Units.FormatCount(job.Step)}/{Units.FormatCount(job.Spec.Steps)}",
                Number(job.Workers),
                Number(job.Spec.ParameterShards),
                ModeName(job.Spec),
                job.LastMetrics is { } m ? FormatLoss(m.Loss) : "-",
                FormatTime(job.UpdatedAt));
        }
        console.Write(table);
        string counts = string.Join(", ", jobs.GroupBy(j => j.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {StatusName(g.Key)}"));
        console.WriteLine($"{jobs.Count} {(jobs.Count == 1 ? "job" : "jobs")}: {counts}");
    }

    /// <summary>Everything about one job, then its recent metrics.</summary>
    public static void WriteDetails(TrainingJobInfo job, IReadOnlyList<TrainingMetrics> recentMetrics, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        TrainingJobSpec spec = job.Spec;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Markup($"[bold]{name}[/]"), new Text(value));

        Row("Job", job.JobId);
        grid.AddRow(new Markup("[bold]Status[/]"), new Markup(StatusMarkup(job.Status) + (job.Reason is { } reason ? " " + Markup.Escape($"({reason})") : "")));
        Row("Step", $"{Units.FormatCount(job.Step)}/{Units.FormatCount(spec.Steps)} ({Percent(job):0}%)");
        Row("Model", $"{spec.Model} on {spec.Dataset}");
        Row("Workers", Invariant($"{job.Workers} ({spec.GlobalBatchRows / Math.Max(1, job.Workers)} of {spec.GlobalBatchRows} rows per step each; {spec.Workers} at submission)"));
        Row("Shards", Number(spec.ParameterShards));
        if (spec.Stages > 1)
        {
            Row("Pipeline", Invariant($"{spec.Stages} stages per worker, {(spec.MicroBatches is int m ? Number(m) : "default (2 × stages, dividing the rows)")} micro-batches per step"));
        }
        Row("Mode", spec.Mode == TrainingMode.Asynchronous ? Invariant($"asynchronous, staleness {spec.Staleness}") : "synchronous");
        Row("Optimizer", string.Create(CultureInfo.InvariantCulture,
            $"AdamW, lr {spec.LearningRate:g4} → {spec.MinLearningRate:g4} (warm-up {spec.WarmupSteps}, cosine), weight decay {spec.WeightDecay:g4}, clip {(spec.GradientClip == 0 ? "off" : spec.GradientClip.ToString("g4", CultureInfo.InvariantCulture))}"));
        Row("Seed", Invariant($"{spec.Seed}, {(spec.IntraOpThreads == 0 ? "default" : Number(spec.IntraOpThreads))} LibTorch threads per worker"));
        Row("Checkpoints", spec.CheckpointInterval == 0 ? "at the end" : Invariant($"every {spec.CheckpointInterval} steps"));
        Row("Held-out", HeldOut(job, recentMetrics));
        Row("Last checkpoint", job.LastCheckpoint is { } c
            ? Invariant($"step {c.Step}: {c.ShardArtifacts.Count} shard {(c.ShardArtifacts.Count == 1 ? "artifact" : "artifacts")} {string.Join(", ", c.ShardArtifacts.Select(Short))}")
            : "none yet");
        Row("Result", job.ResultArtifact ?? "-");
        Row("Recoveries", Number(job.Recoveries));
        Row("Submitted", FormatTime(job.SubmittedAt) + " UTC");
        Row("Updated", FormatTime(job.UpdatedAt) + " UTC");
        console.Write(grid);

        if (recentMetrics.Count == 0)
        {
            console.WriteLine("No steps recorded yet.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Step", "Loss", "LR", "Grad norm", "Tokens/s", "Workers", "Pull ms", "Compute ms", "Push ms", "Apply ms", "Exchanged");
        foreach (TableColumn column in table.Columns)
        {
            column.RightAligned();
        }
        foreach (TrainingMetrics m in recentMetrics)
        {
            table.AddRow(
                Units.FormatCount(m.Step), FormatLoss(m.Loss), Number(m.LearningRate, "0.00e+0"), Number(m.GradientNorm, "0.000"),
                Units.FormatCount((long)m.TokensPerSecond), Number(m.Workers), Ms(m.PullMs), Ms(m.ComputeMs), Ms(m.PushMs), Ms(m.ApplyMs),
                Units.FormatBytes(m.ExchangeBytes));
        }
        console.Write(table);
    }

    /// <summary>
    /// The figures of the latest step beside a progress bar, e.g.
    /// <c>loss 2.3456 · 12,345 tok/s · pull 12 · compute 85.3 · push 10 · apply 5 ms · 2 workers · 0 recoveries</c>.
    /// </summary>
    public static string Statistics(TrainingJobInfo job, TrainingMetrics? metrics)
    {
        string tail = $"{job.Workers} {(job.Workers == 1 ? "worker" : "workers")} · {job.Recoveries} {(job.Recoveries == 1 ? "recovery" : "recoveries")}";
        return metrics is null
            ? $"no step finished yet · {tail}"
            : string.Create(CultureInfo.InvariantCulture,
                $"loss {FormatLoss(metrics.Loss)} · {Units.FormatCount((long)metrics.TokensPerSecond)} tok/s · pull {Ms(metrics.PullMs)} · compute {Ms(metrics.ComputeMs)} · push {Ms(metrics.PushMs)} · apply {Ms(metrics.ApplyMs)} ms · {tail}");
    }

    // The latest held-out evaluation: loss and bits per byte, and when the next ones come.
    private static string HeldOut(TrainingJobInfo job, IReadOnlyList<TrainingMetrics> recent)
    {
        TrainingJobSpec spec = job.Spec;
        string when = spec.EvalInterval == 0 ? "at the end" : Invariant($"every {spec.EvalInterval} steps and at the end");
        TrainingMetrics? last = (job.LastMetrics is { ValidationLoss: not null } l ? l : null) ?? recent.LastOrDefault(m => m.ValidationLoss is not null);
        return last is { ValidationLoss: double loss }
            ? string.Create(CultureInfo.InvariantCulture, $"loss {FormatLoss(loss)}{Bits(last)} at step {last.Step} (evaluated {when})")
            : spec.Stages > 1 ? "not evaluated (pipelined models are not evaluated yet)" : $"not evaluated yet ({when})";
    }

    private static string Bits(TrainingMetrics m) =>
        m.ValidationBitsPerByte is double bits ? string.Create(CultureInfo.InvariantCulture, $", {bits:0.000} bits/byte") : "";

    /// <summary>A whole progress line for logs, e.g. <c>train-1: running step 120/1000 (12%) · loss …</c>.</summary>
    public static string ProgressLine(TrainingJobInfo job, TrainingMetrics? metrics) =>
        $"{job.JobId}: {StatusName(job.Status)} step {Units.FormatCount(job.Step)}/{Units.FormatCount(job.Spec.Steps)} ({Percent(job):0}%) · {Statistics(job, metrics)}";

    /// <summary>The closing line of a followed job: how it ended, and why when it did not succeed.</summary>
    public static string Outcome(TrainingJobInfo job)
    {
        string steps = $"step {Units.FormatCount(job.Step)}/{Units.FormatCount(job.Spec.Steps)}";
        string loss = job.LastMetrics is { } m
            ? $", final loss {FormatLoss(m.Loss)}" + (m.ValidationLoss is double held ? $", held-out {FormatLoss(held)}{Bits(m)}" : "")
            : "";
        string because = string.IsNullOrWhiteSpace(job.Reason) ? "" : $": {job.Reason}";
        return job.Status switch
        {
            TrainingJobStatus.Succeeded => $"Training job {job.JobId} succeeded after {Units.FormatCount(job.Step)} steps{loss}; result {job.ResultArtifact ?? "(none recorded)"}.",
            TrainingJobStatus.Failed => $"Training job {job.JobId} failed at {steps}{because}",
            TrainingJobStatus.Cancelled => $"Training job {job.JobId} was cancelled at {steps}{because}",
            _ => $"Training job {job.JobId} is {StatusName(job.Status)} at {steps}{because}",
        };
    }

    public static string StatusName(TrainingJobStatus status) => status.ToString().ToLowerInvariant();

    public static string ModeName(TrainingJobSpec spec) =>
        spec.Mode == TrainingMode.Asynchronous ? Invariant($"async ≤{spec.Staleness}") : "sync";

    public static double Percent(TrainingJobInfo job) => job.Spec.Steps <= 0 ? 0 : Math.Clamp(100.0 * job.Step / job.Spec.Steps, 0, 100);

    public static string StatusMarkup(TrainingJobStatus status) => status switch
    {
        TrainingJobStatus.Running => "[blue]running[/]",
        TrainingJobStatus.Succeeded => "[green]succeeded[/]",
        TrainingJobStatus.Failed => "[red]failed[/]",
        TrainingJobStatus.Cancelled => "[grey]cancelled[/]",
        _ => $"[yellow]{StatusName(status)}[/]",
    };

    private static string FormatLoss(double loss) => Number(loss, "0.0000");

    private static string Ms(double ms) => Number(ms, ms < 10 ? "0.0" : "0");

    private static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    // The first 12 hex digits of a SHA-256, as git abbreviates commits.
    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    private static string Number(IFormattable value, string? format = null) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
