using System.Net;
using Messaging.Emulator.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator;

/// <summary>
/// The emulator running in-process on a free loopback port, for tests and benchmarks.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly RequestRecorder recorder;

    private EmulatorServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        recorder = app.Services.GetRequiredService<RequestRecorder>();
        Options = app.Services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
    }

    /// <summary>The server's address, host only (e.g. <c>http://127.0.0.1:41234</c>): no version segment, no trailing path.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The defaults in force. They are read on every request, so a test may change them while the server runs.</summary>
    public EmulatorOptions Options { get; }

    /// <summary>Every request received so far, in arrival order (a snapshot; health probes excluded).</summary>
    public IReadOnlyList<RecordedRequest> Requests => recorder.Snapshot();

    /// <summary>What the quotas (<see cref="EmulatorOptions.Quotas"/> and quota labels) have admitted and refused so far.</summary>
    public Quotas.QuotaReport Quotas => app.Services.GetRequiredService<Quotas.QuotaLedger>().Report();

    /// <summary>
    /// Starts Kestrel on <c>http://127.0.0.1:0</c> (a free port) and returns once it listens.
    /// </summary>
    /// <param name="options">Defaults to use (this instance is kept); null binds them from configuration.</param>
    /// <param name="cancellationToken">Cancels the start-up.</param>
    /// <returns>The running server.</returns>
    public static async Task<EmulatorServer> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        // No config file watchers: a test run starts many short-lived servers.
        var app = EmulatorApp.Build(["--hostBuilder:reloadConfigOnChange=false"], options, static builder =>
        {
            builder.WebHost.ConfigureKestrel(static kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorServer(app, new Uri(address));
    }

    /// <summary>Stops the server: running interactions are cancelled and open streams end.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
