using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Messaging.Contracts;
using Messaging.Worker.Tests.Quotas;
using Messaging.Worker.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Messaging.Worker.Tests.Replies;

/// <summary>
/// Requesters with the least privilege the README documents: each may publish requests, declare and read its own reply
/// queue, and nothing else. A request with <c>replyTo</c> gets all of its events there, in order; with
/// <c>Worker:EventsToReplyAddressOnly</c> its deltas go nowhere else. A requester cannot bind a queue to an event
/// exchange (to read every conversation) nor read another requester's queue: the broker refuses both.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class LeastPrivilegeReplyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restricted_requester_gets_its_own_events_on_its_reply_queue_and_cannot_read_anyone_elses()
    {
        await using var rig = await QuotaRig.StartAsync(1, [], new() { ["Worker:EventsToReplyAddressOnly"] = "true" });
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using var users = new BrokerUsers(rig.BrokerUrl);
        var (alphaQueue, bravoQueue) = ($"{rig.Prefix}reply-alpha-{suffix}", $"{rig.Prefix}reply-bravo-{suffix}");
        await using var alpha = await ConnectAsync(users, $"req-alpha-{suffix}", rig.Prefix, $"reply-alpha-{suffix}");
        await using var bravo = await ConnectAsync(users, $"req-bravo-{suffix}", rig.Prefix, $"reply-bravo-{suffix}");
        await using var alphaChannel = await alpha.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await using var bravoChannel = await bravo.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await alphaChannel.QueueDeclareAsync(alphaQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        await bravoChannel.QueueDeclareAsync(bravoQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);

        var request = Guid.NewGuid();
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            requestId = request, replyTo = alphaQueue,
            request = new { model = "gemini-3.5-flash", input = $"reply test {request}", labels = new { emulator_chunks = "8" } },
        });
        await alphaChannel.BasicPublishAsync(rig.Prefix + "Messaging.Contracts:InteractionRequested", "", false,
            new BasicProperties { ContentType = "application/json", Persistent = true }, body, Ct);

        // alpha's queue holds the whole stream, in order, ending with the final event.
        var received = await ReadUntilFinalAsync(alphaChannel, alphaQueue);
        Assert.Equal("InteractionStarted", received[0].Type);
        Assert.Equal("InteractionCompleted", received[^1].Type);
        var deltas = received.Where(m => m.Type == "StepDelta").Select(m => m.Message.GetProperty("sequence").GetInt64()).ToList();
        Assert.NotEmpty(deltas);
        Assert.Equal(Enumerable.Range(1, deltas.Count).Select(i => (long)i), deltas);
        Assert.All(received, m => Assert.Equal(request, m.Message.GetProperty("requestId").GetGuid()));
        var text = string.Concat(received.Where(m => m.Type == "StepDelta").Select(m => m.Message.GetProperty("text").GetString()));
        Assert.Equal(received[^1].Message.GetProperty("outputText").GetString(), text);

        // The exchanges still got what the service consumes (the final event), but no delta: those went to alpha alone.
        var observed = await rig.Events.FinishedAsync(request);
        Assert.Single(observed.Of<InteractionCompleted>());
        Assert.Empty(observed.Of<StepDelta>());
        Assert.Equal(0u, await MessageCountAsync(bravoChannel, bravoQueue));

        // alpha may not read every conversation: binding a queue of its own to an event exchange is refused…
        await using (var snooping = await alpha.CreateChannelAsync(cancellationToken: Ct))
        {
            var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() =>
                snooping.QueueBindAsync(alphaQueue, rig.Prefix + "Messaging.Contracts:StepDelta", "", cancellationToken: Ct));
            Assert.Equal((ushort)403, refused.ShutdownReason?.ReplyCode); // ACCESS_REFUSED
        }
        // …and so is reading bravo's queue.
        await using (var stealing = await alpha.CreateChannelAsync(cancellationToken: Ct))
        {
            var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => stealing.BasicGetAsync(bravoQueue, true, Ct));
            Assert.Equal((ushort)403, refused.ShutdownReason?.ReplyCode);
        }
        await bravoChannel.QueueDeleteAsync(bravoQueue, cancellationToken: Ct);
        await alphaChannel.QueueDeleteAsync(alphaQueue, cancellationToken: Ct);
    }

    /// <summary>A requester as the README's table makes one: publish requests, declare and read its reply queues, nothing else.</summary>
    private static async Task<IConnection> ConnectAsync(BrokerUsers users, string user, string prefix, string replyQueue)
    {
        var p = Regex.Escape(prefix);
        var url = await users.AddAsync(user,
            configure: $"^{p}{Regex.Escape(replyQueue)}$",
            write: $"^{p}Messaging\\.Contracts:(InteractionRequested|ConversationTurnRequested|CancelInteraction)$",
            read: $"^{p}{Regex.Escape(replyQueue)}$");
        return await new ConnectionFactory { Uri = url }.CreateConnectionAsync(Ct);
    }

    private static async Task<List<(string Type, JsonElement Message)>> ReadUntilFinalAsync(IChannel channel, string queue)
    {
        var received = new List<(string, JsonElement)>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var got = await channel.BasicGetAsync(queue, autoAck: true, timeout.Token);
            if (got is null)
            {
                await Task.Delay(20, timeout.Token);
                continue;
            }
            using var envelope = JsonDocument.Parse(got.Body);
            var type = envelope.RootElement.GetProperty("messageType")[0].GetString()!.Split(':')[^1];
            received.Add((type, envelope.RootElement.GetProperty("message").Clone()));
            if (type is "InteractionCompleted" or "InteractionFailed" or "InteractionCancelled" or "InteractionRejected") return received;
        }
    }

    private static async Task<uint> MessageCountAsync(IChannel channel, string queue) =>
        (await channel.QueueDeclarePassiveAsync(queue, Ct)).MessageCount;
}
