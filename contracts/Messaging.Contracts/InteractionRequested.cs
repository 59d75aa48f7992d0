using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>
/// Command: run one interaction. Published by downstream services (and by the conversation saga for
/// continuations); consumed by the worker replicas. <see cref="Request"/> is the body of
/// <c>POST /interactions</c> exactly as the API defines it; it is forwarded unchanged except that the
/// worker always streams.
/// </summary>
public sealed record InteractionRequested
{
    /// <summary>This request's id (a UUID); events caused by it carry it.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation; defaults to <see cref="RequestId"/>.</summary>
    public Guid? ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; defaults to <see cref="RequestId"/>.</summary>
    public Guid? TurnId { get; init; }

    /// <summary>The API create body (snake_case JSON object), e.g. <c>{"model":"gemini-3.5-flash","input":"Explain how AI works"}</c>.</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Request { get; init; }

    /// <summary>
    /// Optional: the tenant (team, customer) the request's tokens count for: its token budget and its fair share of a
    /// quota that requests wait for. Taken as written only where the worker is configured to (<c>Tenants:Source</c>
    /// <c>Body</c>, the default); where publishers have broker users of their own (<c>BrokerUser</c>), the tenant comes
    /// from the message's AMQP <c>user-id</c>, which RabbitMQ verifies, and a different one written here is rejected.
    /// </summary>
    public string? Tenant { get; init; }

    /// <summary>
    /// Optional: where this request's events are sent as well — a queue (its name, or <c>queue:name</c>; through the
    /// default exchange) or an exchange (<c>exchange:name</c>). Continuations the saga publishes for the turn inherit it.
    /// A requester that reads only its reply queue gets its own events only; the fanout exchanges still get every event
    /// unless the worker runs with <c>Worker:EventsToReplyAddressOnly</c>.
    /// </summary>
    public string? ReplyTo { get; init; }
}
