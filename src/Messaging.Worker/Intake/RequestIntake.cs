using MassTransit;
using MassTransit.Middleware;

namespace Messaging.Worker.Intake;

/// <summary>How the work queue takes in what it cannot read: every message that names a requestId gets an answer.</summary>
internal static class RequestIntake
{
    /// <summary>
    /// Failed messages are answered (<see cref="AnswerFailedRequestsFilter"/>: one fault each, then the error queue), and
    /// so are those no consumer took (<see cref="AnswerSkippedRequestsFilter"/>, then the skipped queue).
    /// </summary>
    public static void UseRequestIntake(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        var answers = context.GetRequiredService<RequestAnswers>();
        endpoint.PublishFaults = false; // the error pipe publishes the one fault, without repeating large payloads
        endpoint.ConfigureError(error =>
        {
            error.UseFilter(new AnswerFailedRequestsFilter(answers));
            error.UseFilter(new ErrorTransportFilter());
        });
        endpoint.ConfigureDeadLetter(deadLetter =>
        {
            deadLetter.UseFilter(new AnswerSkippedRequestsFilter(answers));
            deadLetter.UseFilter(new DeadLetterTransportFilter());
        });
    }
}
