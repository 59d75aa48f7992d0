using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// The worker's side of <see cref="RequestLanes"/> (RabbitMQ only; the in-memory transport has one lane): the work
/// queue (<see cref="Entry"/>) takes large and unmarked requests with a prefetch the memory budget holds at the largest
/// size, the small lane (<see cref="SmallLane"/>) takes requests of at most <see cref="RequestLanes.SmallRequestBytes"/>
/// with a prefetch of the replica's stream limit. A request found on the wrong lane is moved, once, before anything else
/// happens to it.
/// </summary>
internal sealed class WorkLanes(IOptions<BusOptions> bus, IEndpointNameFormatter names)
{
    /// <summary>Whether there are two lanes (on RabbitMQ).</summary>
    public bool Active => bus.Value.RabbitMqUrl is not null;

    /// <summary>The work queue: large and unmarked requests; also the name of its exchange.</summary>
    public string Entry => names.Consumer<InteractionRequestedConsumer>();

    /// <summary>The small lane's queue, and its exchange.</summary>
    public string SmallLane => Entry + "-small";

    /// <summary>The headers exchange between the requests' exchange and the lanes: marked requests to the small lane, the rest to its alternate, the work queue.</summary>
    public string Router => Entry + "-lanes";

    /// <summary>Whether <paramref name="inputAddress"/> is the small lane's.</summary>
    public bool IsSmallLane(Uri inputAddress)
    {
        ArgumentNullException.ThrowIfNull(inputAddress);
        return inputAddress.AbsolutePath.EndsWith("/" + SmallLane, StringComparison.Ordinal);
    }

    /// <summary>The exchange of the lane a request belongs on.</summary>
    public string LaneOf(InteractionRequested request) => Active && RequestLanes.IsSmall(request) ? SmallLane : Entry;

    /// <summary>Whether a delivery of <paramref name="request"/> came in on the other lane than its own (<see cref="LaneOf"/>).</summary>
    public bool OnWrongLane(ConsumeContext context, InteractionRequested request)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Active && LaneOf(request) == SmallLane != IsSmallLane(context.ReceiveContext.InputAddress);
    }
}

/// <summary>
/// One error queue and one skipped queue for both lanes: what fails on the small lane is kept in
/// <c>interaction-requested_error</c> (and <c>…_skipped</c>) as on the work queue, where operators and tools look.
/// </summary>
internal sealed class LaneErrorQueues(WorkLanes lanes, IErrorQueueNameFormatter errors, IDeadLetterQueueNameFormatter skipped)
    : IErrorQueueNameFormatter, IDeadLetterQueueNameFormatter
{
    public string FormatErrorQueueName(string queueName) => errors.FormatErrorQueueName(queueName == lanes.SmallLane ? lanes.Entry : queueName);

    public string FormatDeadLetterQueueName(string queueName) => skipped.FormatDeadLetterQueueName(queueName == lanes.SmallLane ? lanes.Entry : queueName);
}
