using System.Runtime.InteropServices;
using System.Text.Json;
using MassTransit;
using Messaging.Contracts;

namespace Messaging.Client;

/// <summary>
/// The work queue's two lanes on RabbitMQ. RabbitMQ hands a consumer its prefetched messages whole and counts them, not
/// their bytes, so a replica can take only as many messages at once as its memory holds at the largest accepted size: a
/// few. Ordinary requests (a few KB) go to a lane of their own, <c>interaction-requested-small</c>, whose prefetch is the
/// replica's stream limit; what is larger, or unmarked, goes to <c>interaction-requested</c>, whose prefetch stays what the
/// memory budget holds at the largest size. A publisher puts a request on the small lane by setting the header
/// <see cref="Header"/> to <see cref="Small"/> when its <c>request</c> is at most <see cref="SmallRequestBytes"/>; the bus
/// of <see cref="MessagingBusExtensions.AddMessagingBus"/> does it for every <see cref="InteractionRequested"/> it
/// publishes. An unmarked small request is moved to the small lane by the worker (one more hop); a marked one that is
/// larger is moved back.
/// </summary>
public static class RequestLanes
{
    /// <summary>The header that names a request's lane.</summary>
    public const string Header = "messaging-lane";

    /// <summary>The small lane's value of <see cref="Header"/>.</summary>
    public const string Small = "small";

    /// <summary>Largest <c>request</c> (UTF-8 bytes of the API create body) the small lane takes: 64 KiB.</summary>
    public const int SmallRequestBytes = 64 * 1024;

    /// <summary>UTF-8 bytes of the request's create body as it will be written (0 when it has none).</summary>
    public static int SizeOf(JsonElement request) =>
        request.ValueKind == JsonValueKind.Undefined ? 0 : JsonMarshal.GetRawUtf8Value(request).Length;

    /// <summary>Whether <paramref name="request"/> belongs on the small lane.</summary>
    public static bool IsSmall(InteractionRequested request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SizeOf(request.Request) <= SmallRequestBytes;
    }

    /// <summary>Marks every small <see cref="InteractionRequested"/> the bus publishes for the small lane.</summary>
    internal static void Mark(IBusFactoryConfigurator bus) =>
        bus.ConfigurePublish(publish => publish.UseExecute(static context =>
        {
            if (context is SendContext<InteractionRequested> request && IsSmall(request.Message)) context.Headers.Set(Header, Small);
        }));
}
