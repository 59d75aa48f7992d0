using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Messaging.Contracts.Tests;

/// <summary>
/// Builds the bus's AsyncAPI 3.0 document (contracts/asyncapi.yaml) from the contracts: a channel per message type
/// (its fanout exchange), the work queue, the saga's queue, the reply address and the error queue, with AMQP bindings;
/// each message in MassTransit's envelope and, where accepted, as plain JSON, its payload the JSON Schema generated from
/// its record (contracts/schema); who sends and who receives each; the ids that correlate them. Never edited by hand:
/// the contract tests compare it with what this builds.
/// </summary>
internal static class AsyncApiDocument
{
    /// <summary>Who sends each message and who receives it.</summary>
    private static readonly Dictionary<string, (string Senders, string Receivers)> Roles = new()
    {
        ["InteractionRequested"] = ("requesters, and the saga for a turn's continuations", "the workers (work queue) and the saga"),
        ["ConversationTurnRequested"] = ("requesters", "the saga"),
        ["CancelInteraction"] = ("requesters", "the workers and the saga"),
        ["FunctionResultSubmitted"] = ("function executors", "the saga"),
        ["FunctionCallRequested"] = ("the workers", "function executors (and the request's reply address)"),
        ["FunctionResultRejected"] = ("the saga", "function executors"),
        ["InteractionFailed"] = ("the workers, and the saga when a guard ends a turn", "requesters and the saga"),
        ["InteractionCancelled"] = ("the workers, and the saga", "requesters and the saga"),
        ["InteractionRejected"] = ("the workers, and the saga", "requesters and the saga"),
    };

    /// <summary>Messages that may also be published as plain JSON (content type application/json) to their exchange.</summary>
    private static readonly string[] PlainJson = ["InteractionRequested", "ConversationTurnRequested", "CancelInteraction", "FunctionResultSubmitted"];

    private static readonly string[] Requests = ["InteractionRequested", "ConversationTurnRequested", "CancelInteraction", "FunctionResultSubmitted"];

    public static string Build(string contractsDirectory, IReadOnlyList<string> types)
    {
        var schemas = new JsonObject
        {
            ["MassTransitEnvelope"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "MassTransit's envelope (content type application/vnd.masstransit+json): the contract is its message member.",
                ["required"] = new JsonArray("messageType", "message"),
                ["properties"] = new JsonObject
                {
                    ["messageId"] = new JsonObject { ["type"] = "string", ["format"] = "uuid" },
                    ["conversationId"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                    ["messageType"] = new JsonObject
                    {
                        ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" },
                        ["description"] = "urn:message:Messaging.Contracts:<TypeName> first.",
                    },
                    ["message"] = new JsonObject { ["type"] = "object" },
                    ["sentTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    ["headers"] = new JsonObject { ["type"] = "object" },
                },
            },
        };
        var messages = new JsonObject();
        var channels = new JsonObject();
        var operations = new JsonObject();
        foreach (var type in types)
        {
            var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(contractsDirectory, "schema", type + ".schema.json")))!.AsObject();
            var description = schema["description"]?.GetValue<string>() ?? type;
            if (schema["definitions"] is JsonObject definitions)
                foreach (var (name, definition) in definitions.ToList())
                    if (!schemas.ContainsKey(name)) schemas[name] = Rewrite(definition!.DeepClone());
            schema.Remove("definitions");
            schema.Remove("$schema");
            schemas[type] = Rewrite(schema);

            var (senders, receivers) = Roles.GetValueOrDefault(type, ("the workers", "requesters (their reply address, or a queue bound to the exchange)"));
            messages[type] = new JsonObject
            {
                ["name"] = type, ["title"] = type, ["summary"] = FirstSentence(description),
                ["description"] = $"{description}\n\nSent by {senders}; received by {receivers}.",
                ["contentType"] = "application/vnd.masstransit+json",
                ["correlationId"] = new JsonObject { ["location"] = CorrelationOf(type, envelope: true) },
                ["payload"] = new JsonObject
                {
                    ["allOf"] = new JsonArray(
                        new JsonObject { ["$ref"] = "#/components/schemas/MassTransitEnvelope" },
                        new JsonObject { ["properties"] = new JsonObject { ["message"] = new JsonObject { ["$ref"] = $"#/components/schemas/{type}" } } }),
                },
            };
            if (HeadersOf(type) is { } headers) messages[type]!["headers"] = headers;
            var channelMessages = new JsonObject { [type] = new JsonObject { ["$ref"] = $"#/components/messages/{type}" } };
            if (PlainJson.Contains(type))
            {
                messages[type + "Plain"] = new JsonObject
                {
                    ["name"] = type, ["title"] = type + " (plain JSON)", ["summary"] = FirstSentence(description),
                    ["description"] = $"The contract itself as the body, no envelope: its type is the exchange's it is published to.\n\nSent by {senders}; received by {receivers}.",
                    ["contentType"] = "application/json",
                    ["correlationId"] = new JsonObject { ["location"] = CorrelationOf(type, envelope: false) },
                    ["payload"] = new JsonObject { ["$ref"] = $"#/components/schemas/{type}" },
                };
                if (HeadersOf(type) is { } plainHeaders) messages[type + "Plain"]!["headers"] = plainHeaders;
                channelMessages[type + "Plain"] = new JsonObject { ["$ref"] = $"#/components/messages/{type}Plain" };
            }
            channels[type] = new JsonObject
            {
                ["address"] = $"Messaging.Contracts:{type}",
                ["description"] = $"The durable fanout exchange of {type} (with Bus:NamePrefix in front when one is set).",
                ["messages"] = channelMessages,
                ["bindings"] = new JsonObject
                {
                    ["amqp"] = new JsonObject
                    {
                        ["is"] = "routingKey",
                        ["exchange"] = new JsonObject { ["name"] = $"Messaging.Contracts:{type}", ["type"] = "fanout", ["durable"] = true, ["autoDelete"] = false, ["vhost"] = "/" },
                        ["bindingVersion"] = "0.3.0",
                    },
                },
            };
            var request = Requests.Contains(type);
            operations[(request ? "send" : "receive") + type] = new JsonObject
            {
                ["action"] = request ? "send" : "receive",
                ["title"] = request ? $"Publish {type}" : $"Consume {type}",
                ["summary"] = $"Sent by {senders}; received by {receivers}.",
                ["channel"] = new JsonObject { ["$ref"] = $"#/channels/{type}" },
                ["messages"] = new JsonArray(channelMessages.Select(m => (JsonNode)new JsonObject { ["$ref"] = $"#/channels/{type}/messages/{m.Key}" }).ToArray()),
            };
        }

        var events = types.Where(t => !Requests.Contains(t)).ToList();
        channels["workQueue"] = Queue("interaction-requested", "The work queue (a quorum queue): requests larger than 64 KiB, or without the header messaging-lane: small, reached through the headers exchange interaction-requested-lanes, which the InteractionRequested exchange is bound to. The worker replicas compete for its requests; a small one is moved to the small lane.",
            ["InteractionRequested", "InteractionRequestedPlain"]);
        channels["smallLane"] = Queue("interaction-requested-small", "The work queue's small lane (a quorum queue): requests of at most 64 KiB published with the header messaging-lane: small, which a replica runs as many at once as its stream limit. A larger one found here is moved to the work queue.",
            ["InteractionRequested", "InteractionRequestedPlain"]);
        channels["sagaQueue"] = Queue("conversation-state", "The saga's queue: requests, turns, cancels, function results and the workers' events of every conversation.",
            ["ConversationTurnRequested", "ConversationTurnRequestedPlain", "FunctionResultSubmitted", "FunctionResultSubmittedPlain", "CancelInteraction", "CancelInteractionPlain"]);
        channels["errorQueue"] = Queue("interaction-requested_error",
            "Requests that were invalid (each also answered with InteractionRejected) or had no readable requestId, with MassTransit's fault headers.",
            ["InteractionRequested", "InteractionRequestedPlain"]);
        channels["replyAddress"] = new JsonObject
        {
            ["address"] = null,
            ["description"] = "A request's replyTo (a queue, or exchange:name): every event of the request is sent there as well, through the default exchange for a queue. Its name is the requester's.",
            ["messages"] = new JsonObject(events.Select(t => KeyValuePair.Create(t, (JsonNode?)new JsonObject { ["$ref"] = $"#/components/messages/{t}" }))),
            ["bindings"] = new JsonObject
            {
                ["amqp"] = new JsonObject
                {
                    ["is"] = "queue",
                    ["queue"] = new JsonObject { ["durable"] = true, ["exclusive"] = false, ["autoDelete"] = false, ["vhost"] = "/" },
                    ["bindingVersion"] = "0.3.0",
                },
            },
        };
        operations["receiveReplies"] = new JsonObject
        {
            ["action"] = "receive",
            ["title"] = "Consume a request's events on its reply address",
            ["summary"] = "Sent by the workers and the saga to the request's replyTo; received by that requester only.",
            ["channel"] = new JsonObject { ["$ref"] = "#/channels/replyAddress" },
            ["messages"] = new JsonArray(events.Select(t => (JsonNode)new JsonObject { ["$ref"] = $"#/channels/replyAddress/messages/{t}" }).ToArray()),
        };

        var document = new JsonObject
        {
            ["asyncapi"] = "3.0.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Messaging: the Gemini Interactions API on a RabbitMQ bus",
                ["version"] = typeof(InteractionRequested).Assembly.GetName().Version!.ToString(3),
                ["description"] = "Publish InteractionRequested (or a ConversationTurnRequested) and consume the answer as events, streamed step by step. " +
                                  "Generated from contracts/Messaging.Contracts by tests/Messaging.Contracts.Tests (UPDATE_SCHEMAS=1); do not edit.",
            },
            ["defaultContentType"] = "application/vnd.masstransit+json",
            ["servers"] = new JsonObject
            {
                ["rabbitmq"] = new JsonObject { ["host"] = "localhost:5672", ["protocol"] = "amqp", ["protocolVersion"] = "0.9.1", ["description"] = "Any RabbitMQ 3.10+ broker." },
            },
            ["channels"] = channels,
            ["operations"] = operations,
            ["components"] = new JsonObject { ["messages"] = messages, ["schemas"] = schemas },
        };
        return "# Generated from the contracts by tests/Messaging.Contracts.Tests: do not edit (UPDATE_SCHEMAS=1 regenerates it).\n"
               + new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(Plain(document));
    }

    /// <summary>The AMQP headers a message may carry: an InteractionRequested its lane (Messaging.Client's RequestLanes); others none.</summary>
    private static JsonObject? HeadersOf(string type) => type != "InteractionRequested" ? null : new JsonObject
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["messaging-lane"] = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = new JsonArray("small"),
                ["description"] = "small: the request (UTF-8 bytes of its create body) is at most 64 KiB; it goes to the work queue's small lane, which runs as wide as a replica's stream limit. Leave it out otherwise.",
            },
        },
    };

    private static JsonObject Queue(string name, string description, string[] messages) => new()
    {
        ["address"] = name,
        ["description"] = description,
        ["messages"] = new JsonObject(messages.Select(m => KeyValuePair.Create(m, (JsonNode?)new JsonObject { ["$ref"] = $"#/components/messages/{m}" }))),
        ["bindings"] = new JsonObject
        {
            ["amqp"] = new JsonObject
            {
                ["is"] = "queue",
                ["queue"] = new JsonObject { ["name"] = name, ["durable"] = true, ["exclusive"] = false, ["autoDelete"] = false, ["vhost"] = "/" },
                ["bindingVersion"] = "0.3.0",
            },
        },
    };

    private static string CorrelationOf(string type, bool envelope)
    {
        var id = type is "FunctionResultSubmitted" or "FunctionResultRejected" ? "conversationId" : type == "CancelInteraction" ? "requestId" : "requestId";
        return envelope ? $"$message.payload#/message/{id}" : $"$message.payload#/{id}";
    }

    private static string FirstSentence(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? line : line[..(end + 1)];
    }

    // The generated schemas' refs point at their own definitions: in the document they are components.
    private static JsonNode Rewrite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue reference && reference.GetValue<string>().StartsWith("#/definitions/", StringComparison.Ordinal))
                        obj["$ref"] = "#/components/schemas/" + reference.GetValue<string>()["#/definitions/".Length..];
                    else if (value is not null) Rewrite(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    if (item is not null) Rewrite(item);
                break;
        }
        return node;
    }

    // YamlDotNet writes dictionaries, lists and scalars.
    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray array => array.Select(Plain).ToList(),
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value when value.TryGetValue<long>(out var l) => l,
        JsonValue value when value.TryGetValue<double>(out var d) => d,
        JsonValue value => value.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}
