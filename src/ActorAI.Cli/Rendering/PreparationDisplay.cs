using System.Globalization;
using ActorAI.Data.Preparation;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ActorAI.Cli.Rendering;

/// <summary>
/// Shows the phases of <c>actorai data prepare</c> on stderr: a live Spectre.Console progress bar on a terminal, plain
/// periodic lines in logs (output redirected, or <c>CI=true</c>), so a log never fills with cursor movements.
/// </summary>
internal abstract class PreparationDisplay
{
    /// <summary>The display for <paramref name="output"/>: live on a terminal, plain lines otherwise.</summary>
    public static PreparationDisplay For(TextWriter output, TimeProvider timeProvider) =>
        CliConsole.IsTerminal(output) ? new Live(CliConsole.Create(output)) : new Plain(output, timeProvider);

    /// <summary>Runs a phase that reports <see cref="PreparationProgress"/>.</summary>
    public abstract Task<T> RunAsync<T>(string phase, Func<IProgress<PreparationProgress>, Task<T>> work);

    /// <summary>Runs a phase without measurable progress (a spinner on a terminal).</summary>
    public abstract Task<T> RunAsync<T>(string phase, Func<T> work);

    /// <summary>One status line, e.g. <c>12.5 MiB/40 MiB · 1,234 docs (5 dropped) · 456,789 tokens</c>.</summary>
    internal static string Describe(PreparationProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{Units.FormatBytes(p.BytesRead)}/{Units.FormatBytes(p.TotalBytes)} · {Units.FormatCount(p.DocumentsKept)} docs ({Units.FormatCount(p.DocumentsDropped)} dropped) · {Units.FormatCount(p.Tokens)} tokens");

    private sealed class Live(IAnsiConsole console) : PreparationDisplay
    {
        public override Task<T> RunAsync<T>(string phase, Func<IProgress<PreparationProgress>, Task<T>> work)
        {
            var latest = new LatestProgress();
            return console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(),
                    new StatisticsColumn(latest), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    ProgressTask task = context.AddTask(Markup.Escape(phase), maxValue: 1);
                    latest.Bar = task;
                    T result = await work(latest);
                    task.Value = task.MaxValue;
                    task.StopTask();
                    return result;
                });
        }

        public override Task<T> RunAsync<T>(string phase, Func<T> work) =>
            console.Status().StartAsync(Markup.Escape(phase), _ => Task.Run(work));

        /// <summary>Keeps the last report for <see cref="StatisticsColumn"/> and moves the bar (ProgressTask updates are locked).</summary>
        private sealed class LatestProgress : IProgress<PreparationProgress>
        {
            private PreparationProgress? _value;

            public ProgressTask? Bar { get; set; }

            public PreparationProgress? Value => Volatile.Read(ref _value);

            public void Report(PreparationProgress value)
            {
                Volatile.Write(ref _value, value);
                if (Bar is { } task)
                {
                    task.MaxValue = Math.Max(1, value.TotalBytes);
                    task.Value = value.Completed ? task.MaxValue : value.BytesRead;
                }
            }
        }

        /// <summary>Bytes, documents and tokens so far, beside the bar.</summary>
        private sealed class StatisticsColumn(LatestProgress latest) : ProgressColumn
        {
            protected override bool NoWrap => true;

            public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
                new Text(latest.Value is { } p ? Describe(p) : "", new Style(Color.Grey));
        }
    }

    /// <summary>A line when the phase starts, at each tenth of the input or at least every <see cref="Interval"/>, and at the end.</summary>
    private sealed class Plain(TextWriter output, TimeProvider timeProvider) : PreparationDisplay
    {
        public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

        public override async Task<T> RunAsync<T>(string phase, Func<IProgress<PreparationProgress>, Task<T>> work)
        {
            await output.WriteLineAsync($"{phase}...");
            var progress = new LineProgress(output, phase, timeProvider);
            return await work(progress);
        }

        public override async Task<T> RunAsync<T>(string phase, Func<T> work)
        {
            await output.WriteLineAsync($"{phase}...");
            long start = timeProvider.GetTimestamp();
            T result = await Task.Run(work);
            await output.WriteLineAsync($"{phase}: done in {Units.FormatDuration(timeProvider.GetElapsedTime(start))}");
            return result;
        }

        private sealed class LineProgress(TextWriter output, string phase, TimeProvider timeProvider) : IProgress<PreparationProgress>
        {
            private readonly long _start = timeProvider.GetTimestamp();
            private long _lastLine = timeProvider.GetTimestamp();
            private int _lastTenth;

            public void Report(PreparationProgress value)
            {
                int tenth = value.Completed ? 10 : Math.Min(9, (int)(value.Fraction * 10));
                // Before the end, a line per tenth of the input or per interval; a full bar waits for the final report.
                if (!value.Completed && (value.Fraction >= 1 || (tenth <= _lastTenth && timeProvider.GetElapsedTime(_lastLine) < Interval)))
                {
                    return;
                }
                _lastTenth = tenth;
                _lastLine = timeProvider.GetTimestamp();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{phase}: {value.Fraction * 100,3:0}% {Describe(value)} · {Units.FormatDuration(timeProvider.GetElapsedTime(_start))}{(value.Completed ? " · done" : "")}"));
            }
        }
    }
}
