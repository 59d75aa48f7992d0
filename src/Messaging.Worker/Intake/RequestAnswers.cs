using MassTransit;
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
