using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>
/// Command: continue a saga-managed conversation with new input. The saga chains it from the
/// conversation's last interaction (stateful) or its stored history (stateless), reuses the
/// conversation's model/agent, tools and config, and publishes the <see cref="InteractionRequested"/>.
/// Turns are never interleaved: one that arrives while a turn runs is queued.
/// </summary>
public sealed record ConversationTurnRequested
{
    /// <summary>This request's id; it becomes the new turn's id.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation to continue.</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The new input, in any form the API accepts for <c>input</c> (a string, content blocks or steps).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Input { get; init; }

    /// <summary>Optional overrides of the create body (model, tools, generation_config, store …); absent = reuse the conversation's.</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Request { get; init; }

    /// <summary>
    /// Optional: the tenant the conversation's tokens count for, as on <see cref="InteractionRequested.Tenant"/>. The
    /// conversation keeps the tenant of its first turn and carries it into every request it publishes; a turn for another
    /// tenant's conversation is rejected.
    /// </summary>
    public string? Tenant { get; init; }

    /// <summary>Optional: where this turn's events are sent as well, as on <see cref="InteractionRequested.ReplyTo"/>; every request of the turn carries it.</summary>
    public string? ReplyTo { get; init; }
}
