using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Interactions.Models;

/// <summary>
/// An error object as the API nests it: <c>errors[]</c> on an interaction (code is a URI string),
/// <c>error</c> on a model_output step or an SSE <c>error</c> event, or the HTTP error body.
/// </summary>
public sealed class ApiError(JsonObject json) : JsonObjectView(json)
{
    /// <summary><c>code</c> as text (a number in HTTP errors, a string in events and <c>errors[]</c>).</summary>
    public string? Code => Json["code"]?.ToString();
    /// <summary><c>message</c>.</summary>
    public string? Message => GetString("message");
    /// <summary><c>status</c>, e.g. <c>RESOURCE_EXHAUSTED</c> (HTTP errors only).</summary>
    public string? Status => GetString("status");
}
