using System.Globalization;
using ActorAI.Client;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>
/// Shows a dataset push on stderr: a Spectre.Console progress bar over the bytes on a terminal, plain lines (each file
/// as it completes) in logs.
/// </summary>
internal abstract class PushDisplay
{
    public static PushDisplay For(TextWriter output) =>
        CliConsole.IsTerminal(output) ? new Live(CliConsole.Create(output)) : new Plain(output);

    /// <summary>Runs the push, showing its progress.</summary>
    public abstract Task<T> RunAsync<T>(string phase, Func<IProgress<DatasetPushProgress>, Task<T>> work);

    internal static string Describe(DatasetPushProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{Units.FormatBytes(p.BytesSent)}/{Units.FormatBytes(p.TotalBytes)} · {p.FilesDone}/{p.Files} files");

    private sealed class Live(IAnsiConsole console) : PushDisplay
    {
        public override Task<T> RunAsync<T>(string phase, Func<IProgress<DatasetPushProgress>, Task<T>> work) =>
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 }, new PercentageColumn(),
                    new DownloadedColumn(), new TransferSpeedColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    ProgressTask task = context.AddTask(Markup.Escape(phase), maxValue: 1);
                    T result = await work(new BarProgress(task));
                    task.Value = task.MaxValue;
                    task.StopTask();
                    return result;
                });

        private sealed class BarProgress(ProgressTask task) : IProgress<DatasetPushProgress>
        {
            public void Report(DatasetPushProgress value)
            {
                task.MaxValue = Math.Max(1, value.TotalBytes);
                task.Value = value.BytesSent;
            }
        }
    }

    private sealed class Plain(TextWriter output) : PushDisplay
    {
        public override async Task<T> RunAsync<T>(string phase, Func<IProgress<DatasetPushProgress>, Task<T>> work)
        {
            await output.WriteLineAsync($"{phase}...");
            return await work(new LineProgress(output, phase));
        }

        // One line per completed file: a push has few, large files.
        private sealed class LineProgress(TextWriter output, string phase) : IProgress<DatasetPushProgress>
        {
            private int _files;

            public void Report(DatasetPushProgress value)
            {
                if (value.FilesDone > _files)
                {
                    _files = value.FilesDone;
                    output.WriteLine($"{phase}: {value.CurrentFile} · {Describe(value)}");
                }
            }
        }
    }
}
