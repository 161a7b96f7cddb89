using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Spectre.Console consoles over the CLI's writers: ANSI only on a real terminal, never in logs or tests.</summary>
internal static class CliConsole
{
    /// <summary>Width used when the output is not a terminal, so tables are not cut at 80 columns in logs.</summary>
    public const int RedirectedWidth = 200;

    /// <summary>A console writing to <paramref name="output"/> (<see cref="Console.Out"/>, <see cref="Console.Error"/> or a test writer).</summary>
    public static IAnsiConsole Create(TextWriter output)
    {
        bool terminal = IsTerminal(output);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }
        return console;
    }

    /// <summary>
    /// Whether <paramref name="output"/> is the process's own stdout or stderr on a terminal, outside CI (<c>CI=true</c>):
    /// the condition for live displays and colors.
    /// </summary>
    public static bool IsTerminal(TextWriter output)
    {
        bool redirected = output == Console.Out ? Console.IsOutputRedirected
            : output == Console.Error ? Console.IsErrorRedirected
            : true;
        return !redirected && !IsContinuousIntegration();
    }

    private static bool IsContinuousIntegration() =>
        Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");
}
