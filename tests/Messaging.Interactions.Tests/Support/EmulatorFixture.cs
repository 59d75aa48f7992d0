using Messaging.Emulator;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Interactions.Tests.Support;

/// <summary>One in-process emulator and one client (built as applications build it) shared by a test class.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private ServiceProvider? _provider;

    public EmulatorServer Emulator { get; private set; } = null!;

    public IInteractionsClient Client => _provider!.Client();

    public async ValueTask InitializeAsync()
    {
        Emulator = await EmulatorServer.StartAsync();
        _provider = ClientFactory.Create(Emulator.BaseAddress);
    }

    /// <summary>A separate client with its own settings against the same emulator.</summary>
    public ServiceProvider CreateClient(Action<InteractionsClientOptions> configure) => ClientFactory.Create(Emulator.BaseAddress, configure);

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
