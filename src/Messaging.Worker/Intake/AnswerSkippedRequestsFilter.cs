using MassTransit;
using Messaging.Contracts;

namespace Messaging.Worker.Intake;

/// <summary>
/// The work queue's dead-letter pipe: an envelope whose <c>messageType</c> does not name
/// <see cref="InteractionRequested"/> reaches no consumer. Before MassTransit moves it to
/// <c>interaction-requested_skipped</c>, it is answered with <see cref="InteractionRejected"/> when its body names a requestId.
/// </summary>
internal sealed class AnswerSkippedRequestsFilter(RequestAnswers answers) : IFilter<ReceiveContext>
{
    private static readonly string RequestType = MessageUrn.ForTypeString<InteractionRequested>();

    public void Probe(ProbeContext context) => context.CreateFilterScope("answerSkippedRequests");

    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var body = context.Body.GetBytes();
        var unread = UnreadRequest.Read(body, RequestAnswers.SentBare(context));
        var listed = unread.MessageTypes.Count == 0 ? "no type" : string.Join(", ", unread.MessageTypes.Select(t => $"'{t}'"));
        await answers.RejectAsync(context, unread,
            [new ValidationProblem("messageType", $"lists {listed}; the work queue takes '{RequestType}' (or plain JSON sent as application/json)"), .. unread.Problems]);
        await next.Send(context);
    }
}
