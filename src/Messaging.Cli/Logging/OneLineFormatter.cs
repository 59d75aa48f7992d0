using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Messaging.Cli.Logging;

/// <summary>
/// The CLI's log lines: one line each, on stderr, with an exception reduced to its type and message. The worker
/// and the client log conditions they handle (a stream resumed, a retry) with the exception attached; in a
/// terminal that is a note, not a stack trace in the middle of the answer.
/// </summary>
internal sealed class OneLineFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "one-line";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "crit",
        };
        textWriter.Write(level);
        textWriter.Write(": ");
        textWriter.Write(message.ReplaceLineEndings(" "));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" (");
            textWriter.Write(exception.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(exception.Message.ReplaceLineEndings(" "));
            textWriter.Write(')');
        }
        textWriter.WriteLine();
    }
}
