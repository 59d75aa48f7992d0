using Spectre.Console;

namespace Messaging.Cli.Rendering;

/// <summary>
/// Where the CLI writes: the answer's text alone on stdout (so <c>messaging ask … &gt; answer.txt</c> or a pipe gets
/// just the answer), everything about it (notes, usage, errors, logs) on stderr.
/// </summary>
internal static class CliConsole
{
    /// <summary>The answer's text.</summary>
    public static TextWriter Answer => Console.Out;

    /// <summary>Notes, usage tables, errors and prompts' companions: stderr.</summary>
    public static IAnsiConsole Notes { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
