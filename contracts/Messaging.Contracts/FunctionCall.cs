using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>One function call the model asked for.</summary>
/// <param name="CallId">The call's id; answer with it in <see cref="FunctionResultSubmitted.CallId"/>.</param>
/// <param name="Name">The declared function's name.</param>
/// <param name="Arguments">The arguments object (API JSON).</param>
public sealed record FunctionCall(string CallId, string Name, [property: JsonConverter(typeof(ApiJsonConverter))] JsonElement Arguments);
