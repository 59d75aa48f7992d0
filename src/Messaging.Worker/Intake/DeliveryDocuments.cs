using System.Text.Json;
using MassTransit;

namespace Messaging.Worker.Intake;

/// <summary>
/// The documents <see cref="RequestDeserializer"/> parsed for one delivery, disposed when the delivery has been handled
/// (<see cref="DisposeDeliveryDocumentsFilter"/>): their index buffers go back to the shared pool for the next delivery
/// instead of being allocated anew each time. An element used after its delivery throws <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class DeliveryDocuments : IDisposable
{
    private readonly Lock _gate = new();
    private List<JsonDocument>? _documents = [];

    /// <summary>Keeps <paramref name="document"/> until the delivery ends; false when it has ended already.</summary>
    public bool Add(JsonDocument document)
    {
        lock (_gate)
        {
            if (_documents is null) return false;
            _documents.Add(document);
            return true;
        }
    }

    public void Dispose()
    {
        List<JsonDocument>? documents;
        lock (_gate)
        {
            documents = _documents;
            _documents = null;
        }
        foreach (var document in documents ?? []) document.Dispose();
    }
}

/// <summary>Wraps an endpoint's whole receive pipeline (reading, consuming, the error and dead-letter pipes): its documents end with it.</summary>
internal sealed class DisposeDeliveryDocumentsFilter : IFilter<ReceiveContext>
{
    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        // Everything that reads the message (consumers, the saga's outbox, the error and dead-letter pipes) runs and is
        // awaited inside this pipe. Not waited for: MassTransit's receive tasks, which include the pipe's own work (waiting
        // for them here would never end), and a send left running there with an element of the message would fail loudly.
        using var documents = context.GetOrAddPayload(() => new DeliveryDocuments());
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context?.CreateFilterScope("disposeDeliveryDocuments");
}
