using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;

namespace Messaging.Worker.Intake;

/// <summary>
/// Answers a request message the work queue could not take: <see cref="InteractionRejected"/> with every problem, to
/// the ids read from its raw body. Shared by the error pipe (it failed) and the dead-letter pipe (nothing consumed it).
/// </summary>
internal sealed class RequestAnswers(WorkerTelemetry telemetry, ILogger<RequestAnswers> logger)
{
    /// <summary>Whether the body came as plain JSON rather than MassTransit's envelope.</summary>
    public static bool SentBare(ReceiveContext context) =>
        string.Equals(context.ContentType?.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Publishes <see cref="InteractionFailed"/> (reason <c>internal_error</c>, retryable) for a request that was read and then failed unanswered.</summary>
    public async Task FailAsync(ReceiveContext context, InteractionRequested request, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        telemetry.Outcome("failed");
        logger.LogError("Request {RequestId} failed unanswered; answering it: {Message}", request.RequestId, message);
        var failed = new InteractionFailed
        {
            RequestId = request.RequestId,
            ConversationId = request.ConversationId ?? request.RequestId,
            TurnId = request.TurnId ?? request.RequestId,
            Reason = "internal_error",
            Message = message,
            Retryable = true,
            Attempts = 0,
        };
        var endpoint = await context.PublishEndpointProvider.GetPublishSendEndpoint<InteractionFailed>();
        await endpoint.Send(failed, context.CancellationToken);
        if (ReplyAddress.TryParse(request.ReplyTo, out var reply, out _))
            await (await context.SendEndpointProvider.GetSendEndpoint(reply.ToUri())).Send(failed, context.CancellationToken);
    }

    /// <summary>Publishes the rejection when <paramref name="unread"/> names a request; logs either way.</summary>
    public async Task RejectAsync(ReceiveContext context, UnreadRequest unread, IReadOnlyList<ValidationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(unread);
        var described = string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}"));
        if (unread.RequestId is not { } requestId || requestId == Guid.Empty)
        {
            logger.LogWarning("A message on {Queue} names no readable requestId, so it cannot be answered; it is kept in the error queue: {Problems}",
                context.InputAddress, described);
            return;
        }
        telemetry.Outcome("rejected");
        logger.LogWarning("Request {RequestId} rejected: {Problems}", requestId, described);
        var endpoint = await context.PublishEndpointProvider.GetPublishSendEndpoint<InteractionRejected>();
        await endpoint.Send(new InteractionRejected
        {
            RequestId = requestId,
            ConversationId = unread.ConversationId ?? requestId,
            TurnId = unread.TurnId ?? requestId,
            Errors = problems,
        }, context.CancellationToken);
    }
}
