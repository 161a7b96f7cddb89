using System.Globalization;
using ActorAI.Compute.Training;

namespace ActorAI.Compute.Host;

/// <summary>
/// The live training status: one line rewritten in place on a terminal; on a pipe or log, one line per
/// <c>every</c> steps and at each evaluation.
/// </summary>
internal sealed class ProgressLine(TextWriter output, int every) : IProgress<TrainingProgress>
{
    private readonly bool _interactive = !Console.IsErrorRedirected && output == Console.Error;

    public void Report(TrainingProgress p)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"step {p.Step}/{p.Steps} | loss {p.Loss:0.0000} | lr {p.LearningRate:0.00e+0} | {p.TokensPerSecond:#,0} tok/s | elapsed {Format(p.Elapsed)} | ETA {Format(p.Remaining)}");
        bool evaluated = p.ValidationLoss is not null;
        if (evaluated)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" | val loss {p.ValidationLoss:0.0000} | val bpb {p.ValidationBitsPerByte:0.000}");
        }
        if (p.Checkpoint is not null)
        {
            line += $" | saved {Path.GetFileName(p.Checkpoint)}";
        }
        if (_interactive)
        {
            output.Write($"\r\u001b[2K{line}");
            if (evaluated || p.Step == p.Steps)
            {
                output.WriteLine();
            }
        }
        else if (evaluated || p.Step % every == 0 || p.Step == p.Steps)
        {
            output.WriteLine(line);
        }
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
