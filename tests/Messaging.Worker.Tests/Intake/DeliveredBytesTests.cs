using System.Security.Cryptography;
using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Quotas;

namespace Messaging.Worker.Tests.Intake;

/// <summary>
/// The work queue and the saga read a delivery where RabbitMQ.Client put it, a buffer the client takes back for the next
/// delivery once the message is handled (<see cref="Messaging.Worker.Intake.RequestDeserializer.DeliveredBytes"/>). Large
/// requests with distinct bodies, all in flight at once, each reach the API byte for byte, and the saga's conversations,
/// continued afterwards from what it kept, go on with their own settings.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class DeliveredBytesTests
{
    private const int Requests = 8;
    private const int Megabytes = 2;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Large_requests_in_flight_together_reach_the_api_intact_and_their_conversations_go_on()
    {
        await using var rig = await QuotaRig.StartAsync(1, [], new()
        {
            ["Conversations:Enabled"] = "true",
            ["Conversations:TableName"] = $"conversations_{Guid.NewGuid():N}"[..28],
        });
        var sent = new Dictionary<Guid, (string Image, int Tokens)>();
        for (var i = 0; i < Requests; i++)
        {
            var id = Guid.NewGuid();
            var data = new byte[Megabytes * 1_000_000 / 4 * 3];
            Random.Shared.NextBytes(data);
            sent[id] = (Convert.ToBase64String(data), 100 + i);
        }
        // All at once, each streamed slowly, so that later deliveries arrive while the earlier ones are still running.
        await Task.WhenAll(sent.Select(r => rig.Bus.Publish(new InteractionRequested
        {
            RequestId = r.Key,
            Request = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["model"] = "gemini-3.5-flash",
                ["generation_config"] = new Dictionary<string, object> { ["max_output_tokens"] = r.Value.Tokens },
                ["labels"] = new Dictionary<string, string> { ["emulator_chunks"] = "6", ["emulator_chunk_delay_ms"] = "100" },
                ["input"] = new object[]
                {
                    new Dictionary<string, string> { ["type"] = "text", ["text"] = $"Describe the picture {r.Key}" },
                    new Dictionary<string, string> { ["type"] = "image", ["mime_type"] = "image/png", ["data"] = r.Value.Image },
                },
            }),
        }, Ct)));
        foreach (var id in sent.Keys) Assert.Single((await rig.Events.FinishedAsync(id)).Of<InteractionCompleted>());

        foreach (var (id, (image, tokens)) in sent)
        {
            var create = rig.Emulator.Requests.Single(r => r.Method == "POST" && r.Body.Contains($"Describe the picture {id}", StringComparison.Ordinal));
            using var body = JsonDocument.Parse(create.Body);
            var received = body.RootElement.GetProperty("input")[1].GetProperty("data").GetString()!;
            Assert.Equal(Hash(image), Hash(received));
            Assert.Equal(tokens, body.RootElement.GetProperty("generation_config").GetProperty("max_output_tokens").GetInt32());
        }

        // The saga kept each conversation's settings while its first request was being read: the next turns carry them.
        var turns = sent.ToDictionary(r => r.Key, _ => Guid.NewGuid());
        await Task.WhenAll(turns.Select(t => rig.Bus.Publish(new ConversationTurnRequested
        {
            RequestId = t.Value, ConversationId = t.Key, Input = JsonSerializer.SerializeToElement($"And the colours? {t.Value}"),
        }, Ct)));
        foreach (var (conversation, turn) in turns)
        {
            Assert.Single((await rig.Events.FinishedAsync(turn)).Of<InteractionCompleted>());
            var create = rig.Emulator.Requests.Single(r => r.Method == "POST" && r.Body.Contains($"And the colours? {turn}", StringComparison.Ordinal));
            using var body = JsonDocument.Parse(create.Body);
            Assert.Equal(sent[conversation].Tokens, body.RootElement.GetProperty("generation_config").GetProperty("max_output_tokens").GetInt32());
            Assert.True(body.RootElement.TryGetProperty("previous_interaction_id", out _), create.Body);
        }
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(text)));
}
