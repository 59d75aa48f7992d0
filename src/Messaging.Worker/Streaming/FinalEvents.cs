using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit.Serialization;
using Messaging.Contracts;
using Messaging.Worker.Publishing;

namespace Messaging.Worker.Streaming;

/// <summary>
/// The events that end a request (the last status change, the final event, one <see cref="FunctionCallRequested"/> per
/// call), each with its messageId. They are recorded in the checkpoint before they are published, so a replica that takes
/// over a request which died while ending it publishes exactly these again, with the same ids, and calls nothing.
/// </summary>
internal sealed class FinalEvents
{
    private readonly List<(object Message, Guid MessageId)> _events = [];

    /// <summary>The events, in publishing order.</summary>
    public IReadOnlyList<(object Message, Guid MessageId)> Events => _events;

    /// <summary>Adds one of the event types that can end a request.</summary>
    public FinalEvents Add(object message, Guid messageId)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Types.ContainsKey(message.GetType().Name)) throw new ArgumentException($"{message.GetType().Name} does not end a request.", nameof(message));
        _events.Add((message, messageId));
        return this;
    }

    /// <summary>Publishes them in order on <paramref name="lane"/>.</summary>
    public async Task PublishAsync(IStreamEventLane lane, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lane);
        foreach (var (message, id) in _events)
        {
            var publishing = message switch
            {
                InteractionStatusChanged m => lane.PublishAsync(m, id, true, cancellationToken),
                InteractionCompleted m => lane.PublishAsync(m, id, true, cancellationToken),
                InteractionRequiresAction m => lane.PublishAsync(m, id, true, cancellationToken),
                FunctionCallRequested m => lane.PublishAsync(m, id, true, cancellationToken),
                InteractionFailed m => lane.PublishAsync(m, id, true, cancellationToken),
                InteractionCancelled m => lane.PublishAsync(m, id, true, cancellationToken),
                InteractionRejected m => lane.PublishAsync(m, id, true, cancellationToken),
                _ => throw new InvalidOperationException($"{message.GetType().Name} does not end a request."),
            };
            await publishing;
        }
    }

    /// <summary>The events as the checkpoint keeps them: <c>[{ "type", "messageId", "message" }]</c>.</summary>
    public JsonArray ToJson()
    {
        var array = new JsonArray();
        foreach (var (message, id) in _events)
        {
            array.Add(new JsonObject
            {
                ["type"] = message.GetType().Name, ["messageId"] = id,
                ["message"] = JsonSerializer.SerializeToNode(message, message.GetType(), SystemTextJsonMessageSerializer.Options),
            });
        }
        return array;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static FinalEvents FromJson(JsonArray json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var events = new FinalEvents();
        foreach (var item in json.OfType<JsonObject>())
        {
            var type = Types[item["type"]!.GetValue<string>()];
            var message = item["message"].Deserialize(type, SystemTextJsonMessageSerializer.Options)!;
            events.Add(message, item["messageId"]!.GetValue<Guid>());
        }
        return events;
    }

    private static readonly Dictionary<string, Type> Types = new[]
    {
        typeof(InteractionStatusChanged), typeof(InteractionCompleted), typeof(InteractionRequiresAction), typeof(FunctionCallRequested),
        typeof(InteractionFailed), typeof(InteractionCancelled), typeof(InteractionRejected),
    }.ToDictionary(t => t.Name);
}
