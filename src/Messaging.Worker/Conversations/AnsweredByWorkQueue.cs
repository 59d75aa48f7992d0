using MassTransit;
using MassTransit.Middleware;
using Messaging.Contracts;

namespace Messaging.Worker.Conversations;

/// <summary>
/// The saga's queue gets a copy of every <see cref="InteractionRequested"/> (it follows conversations), including the
/// broken ones. The work queue answers those and keeps them in its own error queue; the saga's copy is dropped instead
/// of being faulted, skipped or kept a second time, so a bad message makes one fault, not one per queue.
/// Everything else fails as before: a fault, then <c>conversation-state_error</c>.
/// </summary>
internal static class AnsweredByWorkQueue
{
    public static void DropUnreadRequestCopies(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        var requests = new RequestExchange(context);
        endpoint.ConfigureError(error =>
        {
            error.UseFilter(new DropFailedCopies(requests));
            error.UseFilter(new GenerateFaultFilter());
            error.UseFilter(new ErrorTransportFilter());
        });
        endpoint.ConfigureDeadLetter(deadLetter =>
        {
            deadLetter.UseFilter(new DropSkippedCopies(requests));
            deadLetter.UseFilter(new DeadLetterTransportFilter());
        });
    }

    /// <summary>Whether a delivery came through the <see cref="InteractionRequested"/> exchange.</summary>
    private sealed class RequestExchange(IRegistrationContext context)
    {
        private string? _name;

        public bool Delivered(ReceiveContext receive)
        {
            if (!receive.TryGetPayload(out RabbitMqBasicConsumeContext? delivery)) return false;
            _name ??= context.GetRequiredService<IBus>().Topology.Message<InteractionRequested>().EntityName;
            return delivery.Exchange == _name;
        }
    }

    /// <summary>A request copy that could not be read (the worker's error pipe answers it).</summary>
    private sealed class DropFailedCopies(RequestExchange requests) : IFilter<ExceptionReceiveContext>
    {
        public void Probe(ProbeContext context) => context.CreateFilterScope("dropFailedRequestCopies");

        public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            return requests.Delivered(context) && IsUnreadable(context.Exception) ? Task.CompletedTask : next.Send(context);
        }

        private static bool IsUnreadable(Exception? exception)
        {
            for (var e = exception; e is not null; e = e.InnerException)
                if (e is System.Runtime.Serialization.SerializationException or System.Text.Json.JsonException or InvalidOperationException or FormatException) return true;
            return false;
        }
    }

    /// <summary>A request copy no saga event takes (the worker's dead-letter pipe answers it).</summary>
    private sealed class DropSkippedCopies(RequestExchange requests) : IFilter<ReceiveContext>
    {
        public void Probe(ProbeContext context) => context.CreateFilterScope("dropSkippedRequestCopies");

        public Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            return requests.Delivered(context) ? Task.CompletedTask : next.Send(context);
        }
    }
}
