using MassTransit;
using MassTransit.Events;
using System.Text.Json;
using MassTransit.Metadata;
using MassTransit.Serialization;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;

namespace Messaging.Worker.Intake;

/// <summary>
/// The work queue's error pipe, before MassTransit moves the message to <c>interaction-requested_error</c>: a message
/// the consumer did not answer (it could not be read as a request, or read without an id) is read once more from its
/// raw body and answered with <see cref="InteractionRejected"/> when a requestId can be found; then one
/// <see cref="Fault{T}"/> is published for it (the endpoint's own fault publishing is off), carrying the message
/// only when it is small: the fault of a 20 MB request does not carry 20 MB again.
/// </summary>
internal sealed class AnswerFailedRequestsFilter(RequestAnswers answers) : IFilter<ExceptionReceiveContext>
{
    /// <summary>Bodies above this size are not repeated in their <see cref="Fault{T}"/> (its <c>request</c> is left out).</summary>
    public const int FaultPayloadLimit = 64 * 1024;

    public void Probe(ProbeContext context) => context.CreateFilterScope("answerFailedRequests");

    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var body = context.Body.GetBytes();
        var read = ReadMessage(context) ?? (body.Length <= FaultPayloadLimit ? ReadSmall(body) : null);
        UnreadRequest? unread = null;
        if (!Chain(context.Exception).Any(e => e is RequestValidationException or RequestFailedException))
        {
            unread = UnreadRequest.Read(body, RequestAnswers.SentBare(context));
            IReadOnlyList<ValidationProblem> problems = unread.Problems.Count > 0 ? unread.Problems
                : Chain(context.Exception).Any(e => e is RequestIdMissingException) ? [RequestIdMissingException.Problem]
                : [new ValidationProblem("message", $"could not be read as an InteractionRequested: {Innermost(context.Exception).Message}")];
            await answers.RejectAsync(context, unread, problems);
        }

        if (read is null) unread ??= UnreadRequest.Read(body, RequestAnswers.SentBare(context)); // the ids, at least
        var faulted = read is null
            ? new InteractionRequested { RequestId = unread?.RequestId ?? Guid.Empty, ConversationId = unread?.ConversationId, TurnId = unread?.TurnId }
            : body.Length > FaultPayloadLimit ? read with { Request = default } : read;
        var endpoint = await context.PublishEndpointProvider.GetPublishSendEndpoint<Fault<InteractionRequested>>();
        await endpoint.Send<Fault<InteractionRequested>>(new FaultEvent<InteractionRequested>(faulted, context.GetMessageId(), HostMetadataCache.Host,
            context.Exception, [MessageUrn.ForTypeString<InteractionRequested>()]), context.CancellationToken);
        if (!context.IsFaulted) await context.NotifyFaulted(context.Exception);
        await next.Send(context);
    }

    private static InteractionRequested? ReadMessage(ExceptionReceiveContext context)
    {
        if (!context.TryGetPayload(out ConsumeContext? consumeContext)) return null;
        try
        {
            return consumeContext.TryGetMessage<InteractionRequested>(out var message) ? message.Message : null;
        }
#pragma warning disable CA1031 // the failure this pipe handles may be this very read
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>The message as MassTransit's serializer reads it (enveloped or bare), when it reads at all.</summary>
    private static InteractionRequested? ReadSmall(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MessageNesting.MaxMessageDepth });
            var root = document.RootElement;
            var message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object
                ? inner : root;
            return message.Deserialize<InteractionRequested>(SystemTextJsonMessageSerializer.Options);
        }
#pragma warning disable CA1031 // unreadable is an answer here
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException) yield return e;
    }

    private static Exception Innermost(Exception exception) => Chain(exception).Last();
}
