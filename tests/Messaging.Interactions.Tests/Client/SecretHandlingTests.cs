using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Messaging.Interactions.Tests.Client;

public class SecretHandlingTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private const string Key = "AQ.super-secret-key-value-123";

    [Fact]
    public async Task The_api_key_appears_in_no_log_line_and_no_exception_even_at_trace_level()
    {
        var sink = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(sink));
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddInteractionsClient(o =>
        {
            o.BaseUrl = fixture.Emulator.BaseAddress;
            o.ApiKey = Key;
            o.MaxRetries = 1;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IInteractionsClient>();

        await client.CreateAsync(CreateInteractionRequest.ForModel("gemini-3.5-flash", "log me"), TestContext.Current.CancellationToken);
        var request = CreateInteractionRequest.ForModel("gemini-3.5-flash", "fail me loudly");
        request.Labels = new JsonObject { ["emulator_fault"] = "server_error" };
        var error = await Assert.ThrowsAsync<InteractionsApiException>(() => client.CreateAsync(request, TestContext.Current.CancellationToken));

        Assert.NotEmpty(sink.Lines);
        Assert.DoesNotContain(sink.Lines, l => l.Contains(Key, StringComparison.Ordinal));
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(fixture.Emulator.Requests, r => r.Headers.Any(h => h.Value == Key));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = formatter(state, exception) + " " + exception;
                if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                    line += string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"));
                owner.Lines.Enqueue(line);
            }
        }
    }
}
