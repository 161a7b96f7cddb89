using ActorAI.Abstractions.Training;
using ActorAI.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ActorAI.Cli.Rendering;

/// <summary>
/// Shows a followed training job: a live Spectre.Console display with a progress bar on a terminal; plain lines in logs (output
/// redirected, or <c>CI=true</c>) — at the start, at every status change or recovery, at each tenth of the steps or at
/// least every <see cref="PlainInterval"/> while steps advance, and at the end.
/// </summary>
internal abstract class TrainingJobDisplay
{
    /// <summary>The longest gap between two plain lines while steps advance.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    /// <summary>The display for <paramref name="output"/>: live on a terminal, plain lines otherwise.</summary>
    public static TrainingJobDisplay For(TextWriter output, TimeProvider timeProvider) =>
        CliConsole.IsTerminal(output) ? new LiveDisplay(CliConsole.Create(output)) : new PlainDisplay(output, timeProvider);

    /// <summary>The live display on <paramref name="console"/>, whatever the output is.</summary>
    internal static TrainingJobDisplay Live(IAnsiConsole console) => new LiveDisplay(console);

    /// <summary>Shows every report until the sequence ends; returns the last state seen (null when there was none).</summary>
    public abstract Task<TrainingJobInfo?> ShowAsync(IAsyncEnumerable<TrainingJobProgress> progress, CancellationToken cancellationToken);

    /// <summary>
    /// Two lines redrawn in place: the job, its status, a bar, the step and the job's run time; then the figures of the
    /// latest step, which wrap on a narrow terminal instead of squeezing the bar.
    /// </summary>
    private sealed class LiveDisplay(IAnsiConsole console) : TrainingJobDisplay
    {
        public override async Task<TrainingJobInfo?> ShowAsync(IAsyncEnumerable<TrainingJobProgress> progress, CancellationToken cancellationToken)
        {
            TrainingJobInfo? last = null;
            await console.Live(new Text("waiting for the job…")).AutoClear(false).StartAsync(async context =>
            {
                await foreach (TrainingJobProgress p in progress.WithCancellation(cancellationToken))
                {
                    last = p.Job;
                    context.UpdateTarget(Render(p, console.Profile.Width));
                    context.Refresh();
                }
            });
            return last;
        }
    }

    /// <summary>The live display's two lines for a terminal <paramref name="width"/> columns wide.</summary>
    internal static IRenderable Render(TrainingJobProgress progress, int width)
    {
        TrainingJobInfo job = progress.Job;
        int barWidth = Math.Clamp(width - 60, 10, 40);
        int filled = (int)Math.Round(TrainingJobRendering.Percent(job) / 100 * barWidth);
        string bar = $"[green]{new string('━', filled)}[/][grey]{new string('━', barWidth - filled)}[/]";
        string step = $"{TrainingJobRendering.Percent(job),3:0}% step {Units.FormatCount(job.Step)}/{Units.FormatCount(job.Spec.Steps)}";
        return new Rows(
            new Markup($"[bold]{Markup.Escape(job.JobId)}[/] {TrainingJobRendering.StatusMarkup(job.Status)} {bar} {step} · {Units.FormatDuration(job.UpdatedAt - job.SubmittedAt)}"),
            new Markup($"[grey]{Markup.Escape(TrainingJobRendering.Statistics(job, progress.LatestMetrics))}[/]"));
    }

    private sealed class PlainDisplay(TextWriter output, TimeProvider timeProvider) : TrainingJobDisplay
    {
        public override async Task<TrainingJobInfo?> ShowAsync(IAsyncEnumerable<TrainingJobProgress> progress, CancellationToken cancellationToken)
        {
            TrainingJobInfo? shown = null;
            TrainingJobInfo? last = null;
            long lastLine = timeProvider.GetTimestamp();
            await foreach (TrainingJobProgress p in progress.WithCancellation(cancellationToken))
            {
                last = p.Job;
                if (ShouldWrite(shown, p, timeProvider.GetElapsedTime(lastLine)))
                {
                    await output.WriteLineAsync(TrainingJobRendering.ProgressLine(p.Job, p.LatestMetrics));
                    shown = p.Job;
                    lastLine = timeProvider.GetTimestamp();
                }
            }
            return last;
        }

        internal static bool ShouldWrite(TrainingJobInfo? shown, TrainingJobProgress p, TimeSpan sinceLastLine) =>
            shown is null
            || p.IsFinal
            || p.Job.Status != shown.Status
            || p.Job.Recoveries != shown.Recoveries
            || p.Job.Workers != shown.Workers
            || (p.Job.Step != shown.Step && (Tenth(p.Job) != Tenth(shown) || sinceLastLine >= PlainInterval));

        private static long Tenth(TrainingJobInfo job) => job.Spec.Steps <= 0 ? 0 : job.Step * 10 / job.Spec.Steps;
    }
}
