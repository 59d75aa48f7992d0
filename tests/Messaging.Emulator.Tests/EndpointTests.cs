using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Routes, status codes, error shapes and request recording.</summary>
public sealed class EndpointTests
{
    [Fact]
    public async Task Health_answers_ok()
    {
        await using var emulator = await TestEmulator.StartAsync();

        using var response = await emulator.Http.GetAsync(new Uri("/health", UriKind.Relative), TestEmulator.Ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(TestEmulator.Ct));
    }

    [Fact]
    public async Task The_base_address_is_the_host_only()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var address = emulator.Server.BaseAddress;

        Assert.Equal("127.0.0.1", address.Host);
        Assert.True(address.Port > 0);
        Assert.Equal("/", address.AbsolutePath);
    }

    [Fact]
    public async Task An_unknown_interaction_is_404_with_google_s_error_body()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.GetAsync("v1_unknown");

        Assert.Equal(404, response.Status);
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal("""{"error":{"code":404,"message":"Interaction not found","status":"NOT_FOUND","details":[]}}""", response.Body);
    }

    [Fact]
    public async Task Cancel_and_delete_of_an_unknown_interaction_are_404()
    {
        await using var emulator = await TestEmulator.StartAsync();

        (await emulator.CancelAsync("v1_unknown")).ShouldBeError(404, "NOT_FOUND");
        (await emulator.DeleteAsync("v1_unknown")).ShouldBeError(404, "NOT_FOUND");
    }

    [Fact]
    public async Task An_unknown_path_is_404_with_google_s_error_body()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.SendEmptyAsync(HttpMethod.Get, "/v2/models");

        response.ShouldBeError(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Get_rejects_an_unreadable_boolean_query()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateAsync(Ask("hi"));

        var response = await emulator.GetAsync(created.Id, "stream=maybe");

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains("stream", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_every_request_with_method_path_query_headers_and_raw_body()
    {
        await using var emulator = await TestEmulator.StartAsync();
        const string body = """{"model":"gemini-3.5-flash","input":"hi"}""";
        var created = await emulator.CreateRawAsync(body, "v1beta", new Dictionary<string, string> { ["x-goog-api-key"] = "test-key" });
        await emulator.GetAsync(created.Id, "include_input=true&stream=false");
        await emulator.DeleteAsync(created.Id);

        var requests = emulator.Server.Requests;

        Assert.Equal(3, requests.Count);
        Assert.Equal(("POST", "/v1beta/interactions", body), (requests[0].Method, requests[0].Path, requests[0].Body));
        Assert.Equal("test-key", requests[0].Headers["X-Goog-Api-Key"]);
        Assert.StartsWith("application/json", requests[0].Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal(("GET", $"/v1/interactions/{created.Id}", "?include_input=true&stream=false", string.Empty),
            (requests[1].Method, requests[1].Path, requests[1].QueryString, requests[1].Body));
        Assert.Equal("DELETE", requests[2].Method);
        Assert.True(requests[0].ReceivedAt <= requests[1].ReceivedAt);
    }

    [Fact]
    public async Task Does_not_record_when_recording_is_off()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { RecordRequests = false });

        await emulator.CreateAsync(Ask("hi"));

        Assert.Empty(emulator.Server.Requests);
    }

    [Fact]
    public async Task Drops_the_oldest_finished_interactions_beyond_the_store_capacity()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { StoreCapacity = 2 });

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await emulator.CreateAsync(Ask($"question {i}"))).Id);
        }

        (await emulator.GetAsync(ids[0])).ShouldBeError(404, "NOT_FOUND");
        (await emulator.GetAsync(ids[2])).ShouldBeOk();
    }

    [Fact]
    public async Task Signatures_issued_by_one_server_verify_on_another_with_the_same_key()
    {
        var options = new EmulatorOptions { SignatureKey = "shared-secret" };
        await using var first = await TestEmulator.StartAsync(options);
        await using var second = await TestEmulator.StartAsync(new EmulatorOptions { SignatureKey = "shared-secret" });
        await using var stranger = await TestEmulator.StartAsync(new EmulatorOptions { SignatureKey = "another-secret" });
        var history = new JsonArray(new JsonObject { ["type"] = "user_input", ["content"] = "hi" });
        var turn = await first.CreateAsync(new JsonObject { ["model"] = "gemini-3.5-flash", ["store"] = false, ["input"] = history.DeepClone() });
        foreach (var step in turn.Steps)
        {
            history.Add(step!.DeepClone());
        }

        history.Add(new JsonObject { ["type"] = "user_input", ["content"] = "again" });
        var body = new JsonObject { ["model"] = "gemini-3.5-flash", ["store"] = false, ["input"] = history };

        (await second.CreateAsync(body.DeepClone().AsObject())).ShouldBeOk();
        (await stranger.CreateAsync(body)).ShouldBeError(400, "INVALID_ARGUMENT");
    }
}
