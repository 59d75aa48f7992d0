using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>
/// Command from a function executor (any language): the result of one call. The conversation saga
/// accepts each call id once per interaction and continues the loop when every call has a result.
/// </summary>
public sealed record FunctionResultSubmitted
{
    /// <summary>The conversation.</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The interaction that asked for the call.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The call's id.</summary>
    public string CallId { get; init; } = "";

    /// <summary>The function's name.</summary>
    public string? Name { get; init; }

    /// <summary>The result in any form the API accepts for <c>function_result.result</c>: a content list, an object or a string.</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Result { get; init; }

    /// <summary>True when the function failed and <see cref="Result"/> describes the error.</summary>
    public bool IsError { get; init; }
}
