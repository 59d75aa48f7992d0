using MassTransit;
using Messaging.Cli.Logging;
using Messaging.Cli.Rendering;
using Messaging.Client;
using Messaging.Emulator;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace Messaging.Cli.Bus;

/// <summary>
/// The bus the CLI talks to. With a broker URL: RabbitMQ, where real workers answer; the CLI only
/// listens on its own temporary queue. Without one: everything in this process — MassTransit's
/// in-memory transport, the worker, and the emulator when <c>GEMINI_API_KEY</c> is unset.
/// </summary>
internal sealed class BusStack : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly EmulatorServer? _emulator;

    private BusStack(IHost host, EmulatorServer? emulator)
    {
        _host = host;
        _emulator = emulator;
    }

    public static async Task<BusStack> StartAsync(string? broker, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        broker ??= environment["Bus:RabbitMqUrl"];
        var embedded = string.IsNullOrWhiteSpace(broker);
        var settings = new Dictionary<string, string?>();
        EmulatorServer? emulator = null;
        // The in-process worker has no other replica to hand a stream over to: on exit it stops at once.
        if (embedded) settings["Worker:DrainTimeout"] = "00:00:00";

        if (embedded && string.IsNullOrWhiteSpace(environment["GEMINI_API_KEY"]) && string.IsNullOrWhiteSpace(environment["Interactions:ApiKey"]))
        {
            // A fixed key: stateless histories saved by one run (--no-store --history) verify in the next.
            emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RecordRequests = false, SignatureKey = "messaging-cli-local-emulator" }, cancellationToken);
            settings["Interactions:BaseUrl"] = emulator.BaseAddress.ToString();
            settings["Interactions:ApiKey"] = "emulator";
            console.MarkupLine("[grey]no broker and no GEMINI_API_KEY: running the worker and the local emulator in this process[/]");
        }
        else if (embedded)
        {
            console.MarkupLine("[grey]no broker: running the worker in this process against the Interactions API[/]");
        }
        else
        {
            settings["Bus:RabbitMqUrl"] = broker;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables().AddInMemoryCollection(settings);
        // Logs are notes about the answer: one line each, on stderr, never inside the answer on stdout.
        builder.Logging.AddConsole(o =>
            {
                o.FormatterName = OneLineFormatter.Name;
                o.LogToStandardErrorThreshold = LogLevel.Trace;
            })
            .AddConsoleFormatter<OneLineFormatter, ConsoleFormatterOptions>()
            .SetMinimumLevel(LogLevel.Warning).AddFilter("MassTransit", LogLevel.Error);
        builder.Services.AddSingleton<SessionEvents>();
        if (embedded) builder.Services.AddMessagingWorker(builder.Configuration, AddListener);
        else builder.Services.AddMessagingBus(builder.Configuration, AddListener);

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            if (emulator is not null) await emulator.DisposeAsync();
            throw;
        }
        return new BusStack(host, emulator);
    }

    /// <summary>The CLI's own listener: a temporary queue (never competing with another CLI), one message at a time, so events arrive in publish order.</summary>
    private static void AddListener(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<SessionEventConsumer>().Endpoint(e =>
        {
            e.Temporary = true;
            e.ConcurrentMessageLimit = 1;
            e.PrefetchCount = 256;
        });

    public InteractionSession CreateSession(AnswerRenderer renderer) =>
        new(_host.Services.GetRequiredService<IBus>(), _host.Services.GetRequiredService<SessionEvents>(), renderer);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        if (_emulator is not null) await _emulator.DisposeAsync();
    }
}
