using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using MassTransit;
using Mediator;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Steps;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Interactions;

/// <summary>
/// Run one <see cref="InteractionRequested"/>: stream the interaction from the API and publish every
/// event on the bus, ending with the event its final status maps to.
/// </summary>
/// <param name="RequestId">The request's id (never empty: the consumer refuses such messages).</param>
/// <param name="ConversationId">The conversation as sent; null defaults to <paramref name="RequestId"/>.</param>
/// <param name="TurnId">The turn as sent; null defaults to <paramref name="RequestId"/>.</param>
/// <param name="Request">The API create body.</param>
public sealed record StreamInteraction(Guid RequestId, Guid? ConversationId, Guid? TurnId, JsonElement Request) : ICommand<StreamOutcome>
{
    /// <summary>The command for a bus message.</summary>
    public static StreamInteraction From(InteractionRequested message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message.RequestId, message.ConversationId, message.TurnId, message.Request);
    }
}

/// <summary>How a <see cref="StreamInteraction"/> ended; the matching event is already published.</summary>
public enum StreamOutcome
{
    /// <summary><see cref="InteractionCompleted"/> (completed, incomplete or budget_exceeded).</summary>
    Completed,
    /// <summary><see cref="InteractionRequiresAction"/> and one <see cref="FunctionCallRequested"/> per call.</summary>
    RequiresAction,
    /// <summary><see cref="InteractionFailed"/>.</summary>
    Failed,
    /// <summary><see cref="InteractionCancelled"/>.</summary>
    Cancelled,
}

/// <summary>
/// What makes a request runnable, checked before any API call so the requester hears every problem at
/// once (as <see cref="InteractionRejected"/>) instead of one API 400 at a time. The API remains the judge
/// of everything else (unknown fields pass through).
/// </summary>
public sealed class StreamInteractionValidator : AbstractValidator<StreamInteraction>
{
    private static readonly string[] ContentTypes = ["text", "image", "audio", "video", "document"];
    private static readonly string[] MediaTypes = ["image", "audio", "video", "document"];

    /// <summary>Creates the validator with the size limit from <paramref name="options"/>.</summary>
    public StreamInteractionValidator(IOptions<WorkerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var maxBytes = options.Value.MaxRequestBytes;
        RuleFor(c => c.ConversationId).Must(id => id != Guid.Empty).OverridePropertyName("conversationId")
            .WithMessage("must not be the empty UUID; leave it out to default to requestId");
        RuleFor(c => c.TurnId).Must(id => id != Guid.Empty).OverridePropertyName("turnId")
            .WithMessage("must not be the empty UUID; leave it out to default to requestId");
        RuleFor(c => c.Request).Custom((request, context) =>
        {
            foreach (var problem in CheckRequest(request, maxBytes)) context.AddFailure(problem.Field, problem.Message);
        });
    }

    private static IEnumerable<ValidationProblem> CheckRequest(JsonElement request, int maxBytes)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            yield return new("request", request.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
                ? "is required: the body of POST /interactions as a JSON object"
                : $"must be a JSON object (the body of POST /interactions), not {Describe(request.ValueKind)}");
            yield break;
        }

        var size = JsonMarshal.GetRawUtf8Value(request).Length;
        if (size > maxBytes)
        {
            yield return new("request", $"is {size} bytes; the limit is {maxBytes} bytes (Worker:MaxRequestBytes). Send large media by uri instead of inline data");
            yield break;
        }

        var hasModel = request.TryGetProperty("model", out var model) && model.ValueKind != JsonValueKind.Null;
        var hasAgent = request.TryGetProperty("agent", out var agent) && agent.ValueKind != JsonValueKind.Null;
        if (!hasModel && !hasAgent) yield return new("request.model", "give a model (e.g. \"gemini-3.5-flash\") or an agent");
        if (hasModel && hasAgent) yield return new("request.agent", "give either a model or an agent, not both");
        if (hasModel && !IsNonEmptyString(model)) yield return new("request.model", "must be a non-empty string");
        if (hasAgent && !IsNonEmptyString(agent)) yield return new("request.agent", "must be a non-empty string");

        if (request.TryGetProperty("previous_interaction_id", out var previous) && previous.ValueKind != JsonValueKind.Null && !IsNonEmptyString(previous))
            yield return new("request.previous_interaction_id", "must be a non-empty interaction id string");

        var continues = request.TryGetProperty("continuation_token", out var token) && token.ValueKind == JsonValueKind.String;
        if (!request.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            if (!continues) yield return new("request.input", "is required: a string, a content block, or a list of content blocks or steps");
            yield break;
        }
        foreach (var problem in CheckInput(input)) yield return problem;
    }

    private static IEnumerable<ValidationProblem> CheckInput(JsonElement input)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                if (string.IsNullOrWhiteSpace(input.GetString())) yield return new("request.input", "must not be empty");
                break;
            case JsonValueKind.Object:
                foreach (var p in CheckContent(input, "request.input")) yield return p;
                break;
            case JsonValueKind.Array:
                if (input.GetArrayLength() == 0)
                {
                    yield return new("request.input", "must not be empty");
                    break;
                }
                var i = 0;
                foreach (var item in input.EnumerateArray())
                {
                    var path = $"request.input[{i++}]";
                    var type = TypeOf(item);
                    var problems = type is not null && IsStepType(type) ? CheckStep(item, type, path) : CheckContent(item, path);
                    foreach (var p in problems) yield return p;
                }
                break;
            default:
                yield return new("request.input", $"must be a string, a content block, or a list of content blocks or steps, not {Describe(input.ValueKind)}");
                break;
        }
    }

    private static IEnumerable<ValidationProblem> CheckStep(JsonElement step, string type, string path)
    {
        if (type is not ("user_input" or "model_output")) yield break;
        if (!step.TryGetProperty("content", out var content)) yield break;
        if (content.ValueKind == JsonValueKind.String) yield break;
        if (content.ValueKind != JsonValueKind.Array)
        {
            yield return new($"{path}.content", "must be a list of content blocks");
            yield break;
        }
        var i = 0;
        foreach (var block in content.EnumerateArray())
        {
            foreach (var p in CheckContent(block, $"{path}.content[{i}]")) yield return p;
            i++;
        }
    }

    private static IEnumerable<ValidationProblem> CheckContent(JsonElement block, string path)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            yield return new(path, $"must be a content block object, not {Describe(block.ValueKind)}");
            yield break;
        }
        var type = TypeOf(block);
        if (type is null)
        {
            yield return new($"{path}.type", "is required: text, image, audio, video or document");
            yield break;
        }
        if (!ContentTypes.Contains(type))
        {
            yield return new($"{path}.type", $"unknown content type '{type}'; expected text, image, audio, video or document");
            yield break;
        }
        if (type == "text" && !(block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String))
            yield return new($"{path}.text", "is required for a text block");
        if (MediaTypes.Contains(type) && !block.TryGetProperty("data", out _) && !block.TryGetProperty("uri", out _))
            yield return new(path, $"an {type} block needs inline base64 data or a uri");
    }

    private static bool IsStepType(string type) =>
        type is "user_input" or "model_output" or "thought" or "function_call" or "function_result"
        || type.EndsWith("_call", StringComparison.Ordinal) || type.EndsWith("_result", StringComparison.Ordinal);

    private static string? TypeOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static bool IsNonEmptyString(JsonElement value) => value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}

/// <summary>
/// Streams the interaction (always <c>stream: true</c>; background runs are created, then followed by a
/// streaming GET, then by polling) and publishes its events through <see cref="InteractionRelay"/>.
/// <c>requires_continuation</c> is continued automatically. API and stream failures become
/// <see cref="InteractionFailed"/>; a <see cref="CancelInteraction"/> ends in <see cref="InteractionCancelled"/>.
/// Only the host stopping escapes as an exception, so the message is redelivered to another replica.
/// </summary>
public sealed class StreamInteractionHandler(
    IInteractionsClient client,
    IStreamEventPublisher publisher,
    InFlightInteractions inFlight,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    ILogger<StreamInteractionHandler> logger) : ICommandHandler<StreamInteraction, StreamOutcome>
{
    private static readonly TimeSpan ApiCancelTimeout = TimeSpan.FromSeconds(10);
    private readonly WorkerOptions _options = options.Value;

    /// <inheritdoc />
    public async ValueTask<StreamOutcome> Handle(StreamInteraction command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var conversationId = command.ConversationId ?? command.RequestId;
        var turnId = command.TurnId ?? command.RequestId;
        var body = CreateInteractionRequest.Parse(command.Request.GetRawText());
        body.Json.Remove("stream"); // the client decides: always a stream
        var background = body.Background == true;

        using var activity = WorkerTelemetry.ActivitySource.StartActivity("StreamInteraction");
        activity?.SetTag("messaging.request_id", command.RequestId);
        activity?.SetTag("gen_ai.request.model", body.Model ?? body.Agent);
        using var entry = inFlight.Start(command.RequestId, conversationId, turnId, background, cancellationToken);
        var relay = new InteractionRelay(publisher.OpenLane(), telemetry, command.RequestId, conversationId, turnId, cancellationToken,
            _options.DeltaCoalescingWindow, _options.DeltaDeliveryMode);
        telemetry.StreamsInFlight(1);
        try
        {
            var outcome = await RunAsync(body, relay, entry, cancellationToken);
            await relay.ConfirmAsync(); // every event on the broker before the request is acknowledged
            activity?.SetTag("messaging.outcome", outcome.ToString());
            telemetry.Outcome(outcome.ToString().ToLowerInvariant());
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Request {RequestId} stopped with the host after interaction {InteractionId}; the message goes back to the queue",
                command.RequestId, relay.InteractionId);
            throw;
        }
        finally
        {
            telemetry.StreamsInFlight(-1);
            activity?.SetTag("gen_ai.interaction.id", relay.InteractionId);
        }
    }

    private async Task<StreamOutcome> RunAsync(CreateInteractionRequest original, InteractionRelay relay, InFlightInteraction entry, CancellationToken stopping)
    {
        var hopIds = new List<string>();
        var usages = new List<JsonObject>();
        var body = original;
        try
        {
            while (true)
            {
                var accumulator = new InteractionAccumulator();
                if (original.Background == true) await FollowBackgroundAsync(body, relay, accumulator, entry);
                else await StreamAsync(body, relay, accumulator, entry);

                var hop = accumulator.ToInteraction();
                if (hop.Id.Length == 0 && relay.InteractionId.Length > 0) hop.Json["id"] = relay.InteractionId;
                relay.EndHop(hop);
                hopIds.Add(hop.Id);
                if (hop.Json["usage"] is JsonObject usage) usages.Add(usage);
                if (hop.Status != InteractionStatus.RequiresContinuation) return await FinishAsync(relay, hop, hopIds, usages, accumulator, original);

                await relay.StatusAsync(hop.Status.Value);
                if (hopIds.Count > _options.MaxContinuationHops)
                    return await FailAsync(relay, "continuation_limit", $"The API asked for more than {_options.MaxContinuationHops} continuations (Worker:MaxContinuationHops).");
                var token = hop.ContinuationToken ?? (original.IsStateless ? null : (await client.GetAsync(hop.Id, cancellationToken: entry.Token)).ContinuationToken);
                if (token is null)
                    return await FailAsync(relay, "unexpected_status", $"Interaction {hop.Id} ended requires_continuation without a continuation_token.");
                body = NextHop(original, hop.Id, token);
            }
        }
        catch (OperationCanceledException) when (entry.CancelRequested && !stopping.IsCancellationRequested)
        {
            if (!original.IsStateless && relay.InteractionId.Length > 0) await TryCancelAtApiAsync(relay.InteractionId);
            return await CancelledAsync(relay);
        }
        catch (InteractionsApiException ex) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning("Request {RequestId}: the API answered {Status} after {Attempts} attempt(s): {ApiMessage}",
                relay.RequestId, (int)ex.StatusCode, ex.Attempts, ex.ApiMessage);
            var error = ex.Error is { } e ? ApiJson.ToElement(e) : ApiJson.ToElement(new JsonObject
            {
                ["code"] = (int)ex.StatusCode, ["status"] = ex.ErrorStatus, ["message"] = ex.ApiMessage,
            });
            return await FailAsync(relay, "api_error", ex.ApiMessage, error, ex.IsRetryable, ex.Attempts);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && IsBrokenStream(ex))
        {
            logger.LogWarning(ex, "Request {RequestId}: the stream of interaction {InteractionId} broke and could not be resumed",
                relay.RequestId, relay.InteractionId);
            return await FailAsync(relay, "stream_broken", ex.Message, retryable: true);
        }
        catch (HttpRequestException ex) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Request {RequestId}: the API could not be reached", relay.RequestId);
            return await FailAsync(relay, "api_unreachable", ex.Message, retryable: true);
        }
        catch (OperationCanceledException ex) when (!stopping.IsCancellationRequested)
        {
            // Not ours and not the host's: a call's own time limit.
            return await FailAsync(relay, "timeout", ex.Message, retryable: true);
        }
    }

    private async Task StreamAsync(CreateInteractionRequest body, InteractionRelay relay, InteractionAccumulator accumulator, InFlightInteraction entry)
    {
        await relay.RelayAllAsync(client.CreateStreamAsync(body, entry.Token), accumulator, evt =>
        {
            if (evt is InteractionCreatedEvent && relay.InteractionId.Length > 0) entry.Created(relay.InteractionId);
            return true;
        }, entry.Token);
    }

    /// <summary>
    /// A background run is created (it returns at once), then followed with a streaming GET, resumed from the
    /// last event when it breaks, and polled when resuming no longer helps. Every wait is asynchronous:
    /// no thread is held while the run works.
    /// </summary>
    private async Task FollowBackgroundAsync(CreateInteractionRequest body, InteractionRelay relay, InteractionAccumulator accumulator, InFlightInteraction entry)
    {
        var created = await client.CreateAsync(body, entry.Token);
        entry.Created(created.Id);
        await relay.CreatedAsync(created);
        if (entry.CancelRequested) await TryCancelAtApiAsync(created.Id);
        if (created.Status.IsFinal)
        {
            await relay.RelayAsync(new InteractionSnapshotEvent(created.WithoutInputSteps()), accumulator);
            return;
        }

        for (var resumes = 0; resumes <= _options.MaxFollowResumes; resumes++)
        {
            try
            {
                await relay.RelayAllAsync(client.GetStreamAsync(created.Id, accumulator.LastEventId, cancellationToken: entry.Token), accumulator,
                    _ => !accumulator.IsCompleted, entry.Token);
                if (accumulator.IsCompleted) return;
                logger.LogInformation("The stream of background interaction {InteractionId} ended early; resuming", created.Id);
            }
            catch (Exception ex) when (IsBrokenStream(ex) && !entry.Token.IsCancellationRequested)
            {
                logger.LogInformation(ex, "The stream of background interaction {InteractionId} broke; resuming", created.Id);
            }
        }

        while (true)
        {
            var current = await client.GetAsync(created.Id, cancellationToken: entry.Token);
            await relay.StatusAsync(current.Status.Value);
            if (current.Status.IsFinal)
            {
                await relay.RelayAsync(new InteractionSnapshotEvent(current.WithoutInputSteps()), accumulator);
                return;
            }
            await Task.Delay(_options.BackgroundPollInterval, entry.Token);
        }
    }

    private async Task<StreamOutcome> FinishAsync(
        InteractionRelay relay, Interaction hop, List<string> hopIds, List<JsonObject> usages, InteractionAccumulator accumulator, CreateInteractionRequest original)
    {
        var status = hop.Status;
        await relay.StatusAsync(status.Value);
        var steps = new JsonArray();
        foreach (var step in relay.Steps) steps.Add(step.Json.DeepClone());

        var usage = SumUsage(usages);
        if (status.HasOutput)
        {
            telemetry.TokensUsed(usage is null ? null : new Usage(usage), original.Model ?? original.Agent);
            await relay.PublishAsync(new InteractionCompleted
            {
                RequestId = relay.RequestId, ConversationId = relay.ConversationId, TurnId = relay.TurnId, InteractionId = relay.InteractionId,
                Status = status.Value, Steps = ApiJson.ToElement(steps), OutputText = Interaction.ComputeOutputText(relay.Steps),
                Usage = ApiJson.ToElement(usage), ContinuationIds = hopIds.Count > 1 ? hopIds : [], EnvironmentId = hop.EnvironmentId,
            });
            return StreamOutcome.Completed;
        }

        if (status == InteractionStatus.RequiresAction)
        {
            telemetry.TokensUsed(usage is null ? null : new Usage(usage), original.Model ?? original.Agent);
            var calls = hop.Steps.OfType<FunctionCallStep>()
                .Select(c => new FunctionCall(c.Id, c.Name, ApiJson.ToElement(c.Json["arguments"] ?? new JsonObject()))).ToList();
            await relay.PublishAsync(new InteractionRequiresAction
            {
                RequestId = relay.RequestId, ConversationId = relay.ConversationId, TurnId = relay.TurnId, InteractionId = relay.InteractionId,
                Steps = ApiJson.ToElement(steps), Calls = calls, Usage = ApiJson.ToElement(usage),
            });
            foreach (var call in calls)
            {
                await relay.PublishAsync(new FunctionCallRequested
                {
                    RequestId = relay.RequestId, ConversationId = relay.ConversationId, TurnId = relay.TurnId, InteractionId = relay.InteractionId,
                    CallId = call.CallId, Name = call.Name, Arguments = call.Arguments,
                });
            }
            return StreamOutcome.RequiresAction;
        }

        if (status == InteractionStatus.Cancelled) return await CancelledAsync(relay);

        if (status == InteractionStatus.Failed)
        {
            var error = (hop.Errors.Count > 0 ? hop.Errors[0].Json : null)
                ?? accumulator.Errors.Select(e => e.Json["error"] as JsonObject).FirstOrDefault(e => e is not null)
                ?? hop.Steps.OfType<ModelOutputStep>().Select(s => s.Error?.Json).FirstOrDefault(e => e is not null);
            var message = error?["message"]?.ToString() ?? "The interaction failed.";
            return await FailAsync(relay, "api_error", message, ApiJson.ToElement(error));
        }

        return await FailAsync(relay, "unexpected_status", $"The interaction ended with status '{status.Value}'.");
    }

    private static async Task<StreamOutcome> FailAsync(InteractionRelay relay, string reason, string message, JsonElement error = default,
        bool retryable = false, int attempts = 1)
    {
        await relay.PublishAsync(new InteractionFailed
        {
            RequestId = relay.RequestId, ConversationId = relay.ConversationId, TurnId = relay.TurnId, InteractionId = relay.InteractionId,
            Status = "failed", Error = error, Retryable = retryable, Attempts = attempts, Reason = reason, Message = message,
        });
        return StreamOutcome.Failed;
    }

    private static async Task<StreamOutcome> CancelledAsync(InteractionRelay relay)
    {
        await relay.PublishAsync(new InteractionCancelled
        {
            RequestId = relay.RequestId, ConversationId = relay.ConversationId, TurnId = relay.TurnId, InteractionId = relay.InteractionId,
        });
        return StreamOutcome.Cancelled;
    }

    /// <summary>Asks the API to stop a run we no longer follow, so it stops costing tokens; a run that already ended answers 400.</summary>
    private async Task TryCancelAtApiAsync(string interactionId)
    {
        using var timeout = new CancellationTokenSource(ApiCancelTimeout);
        try
        {
            await client.CancelAsync(interactionId, timeout.Token);
        }
        catch (Exception ex) when (ex is InteractionsApiException or OperationCanceledException or HttpRequestException)
        {
            logger.LogInformation("Interaction {InteractionId} could not be cancelled at the API: {Reason}", interactionId, ex.Message);
        }
    }

    private static CreateInteractionRequest NextHop(CreateInteractionRequest original, string hopId, string token)
    {
        // As the SDK continues: stored runs chain from the hop without resending input; stateless ones resend it.
        var next = original.Clone();
        if (!original.IsStateless)
        {
            next.Json.Remove("input");
            next.PreviousInteractionId = hopId;
        }
        next.ContinuationToken = token;
        return next;
    }

    private static JsonObject? SumUsage(List<JsonObject> usages)
    {
        if (usages.Count <= 1) return usages.FirstOrDefault();
        var sum = (JsonObject)usages[^1].DeepClone();
        foreach (var (name, value) in usages[^1])
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) continue;
            long total = 0;
            foreach (var usage in usages)
            {
                if (usage[name] is JsonValue n && n.TryGetValue(out long part)) total += part;
            }
            sum[name] = total;
        }
        return sum;
    }

    private static bool IsBrokenStream(Exception ex) => ex is InteractionStreamException or IOException or TimeoutException;
}
