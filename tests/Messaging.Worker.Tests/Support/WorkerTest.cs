using System.Text.Json;
using Messaging.Contracts;
using Messaging.Testing;

namespace Messaging.Worker.Tests.Support;

/// <summary>Base of the integration tests: publish a request on the bus, wait for its events.</summary>
[Trait("Needs", "RabbitMQ")]
[Collection(WorkerTests.Name)]
public abstract class WorkerTest(WorkerFixture fixture)
{
    protected const string Model = "gemini-3.5-flash";

    protected WorkerFixture Fixture { get; } = fixture;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>Publishes <paramref name="request"/> (the API create body) and returns its requestId.</summary>
    protected async Task<Guid> PublishAsync(string request, Guid? conversationId = null, Guid? turnId = null)
    {
        var requestId = Guid.NewGuid();
        await Fixture.Bus.Publish(new InteractionRequested
        {
            RequestId = requestId, ConversationId = conversationId, TurnId = turnId, Request = Json(request),
        }, Ct);
        return requestId;
    }

    /// <summary>Publishes and waits for the request's final event.</summary>
    protected async Task<RequestEvents> RunAsync(string request, Guid? conversationId = null, Guid? turnId = null) =>
        await Fixture.Events.FinishedAsync(await PublishAsync(request, conversationId, turnId));
}
