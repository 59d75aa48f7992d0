using MassTransit;
using MassTransit.Middleware;
using Messaging.Worker.Streaming;

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

    /// <summary>Reads both formats of the work queue with the body parsed once (<see cref="RequestDeserializer"/>).</summary>
    public static void UseRequestDeserializer(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        var largeMessages = context.GetService<LargeMessageMemory>(); // absent where the saga runs without the worker's streaming
        endpoint.AddDeserializer(new RequestDeserializerFactory(envelope: true, largeMessages), isDefault: true); // also what an unknown content type is read as
        endpoint.AddDeserializer(new RequestDeserializerFactory(envelope: false, largeMessages));
    }
}
