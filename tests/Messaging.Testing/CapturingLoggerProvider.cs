using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Messaging.Testing;

/// <summary>Keeps every log line (message, exception and scopes) the worker hosts write, to check what never appears in them.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)} {exception}";
            owner._scopes.ForEachScope((scope, _) => line += " " + scope, (object?)null);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs) line += " " + string.Join(",", pairs.Select(p => $"{p.Key}={p.Value}"));
            owner._lines.Enqueue(line);
        }
    }
}
