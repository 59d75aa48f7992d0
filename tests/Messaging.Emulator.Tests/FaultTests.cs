using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Injected faults (label emulator_fault and friends).</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task Rate_limit_answers_429_resource_exhausted_with_retry_after()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Faulty("rate_limit"));

        response.ShouldBeError(429, "RESOURCE_EXHAUSTED");
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Rate_limit_sends_the_retry_after_it_is_given()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Faulty("rate_limit", ("emulator_retry_after_s", "7")));

        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Server_error_answers_503_unavailable_with_retry_after_only_when_given()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var plain = await emulator.CreateAsync(Faulty("server_error"));
        var withRetry = await emulator.CreateAsync(Faulty("server_error", ("emulator_retry_after_s", "2")));

        plain.ShouldBeError(503, "UNAVAILABLE");
        Assert.False(plain.Headers.Contains("Retry-After"));
        withRetry.ShouldBeError(503, "UNAVAILABLE");
        Assert.Equal("2", withRetry.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Bad_request_answers_400_invalid_argument()
    {
        await using var emulator = await TestEmulator.StartAsync();

        (await emulator.CreateAsync(Faulty("bad_request"))).ShouldBeError(400, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Fault_count_lets_an_identical_request_succeed_after_that_many_failures()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Faulty("server_error", ("emulator_fault_count", "2"));

        var statuses = new List<int>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            statuses.Add((await emulator.CreateAsync(body.DeepClone().AsObject())).Status);
        }

        var different = Faulty("server_error", ("emulator_fault_count", "2"));
        different["input"] = "another question";

        Assert.Equal([503, 503, 200, 200], statuses);
        Assert.Equal(503, (await emulator.CreateAsync(different)).Status);
    }

    [Fact]
    public async Task Without_a_fault_count_every_attempt_fails()
    {
        await using var emulator = await TestEmulator.StartAsync();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(429, (await emulator.CreateAsync(Faulty("rate_limit"))).Status);
        }
    }

    [Fact]
    public async Task Cut_stream_aborts_the_connection_after_the_given_number_of_events()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Faulty("cut_stream", ("emulator_fault_after", "5")));

        var received = new List<SseEvent>();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (await stream.ReadAsync(TestEmulator.Ct) is { } next)
            {
                received.Add(next);
            }
        });

        Assert.Equal(5, received.Count);
    }

    [Fact]
    public async Task Cut_stream_on_a_unary_create_drops_the_connection()
    {
        await using var emulator = await TestEmulator.StartAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => emulator.CreateAsync(Faulty("cut_stream")));
    }

    [Fact]
    public async Task Stall_stops_sending_but_keeps_the_connection_open()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Faulty("stall", ("emulator_fault_after", "3")));

        var head = await stream.ReadAsync(3);
        var id = (string)head[0].Data!["interaction"]!["id"]!;
        var finished = await emulator.WaitUntilFinishedAsync(id);

        // The run has produced every event, so a healthy stream would have them buffered already.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestEmulator.Ct);
        wait.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(wait.Token));
        Assert.Equal("completed", (string?)finished["status"]);
    }

    [Fact]
    public async Task Malformed_sse_sends_one_data_line_that_is_not_json_and_then_the_rest()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Faulty("malformed_sse", ("emulator_fault_after", "2")));

        var events = await stream.ReadAllAsync();

        Assert.NotNull(events[0].Data);
        Assert.NotNull(events[1].Data);
        Assert.Null(events[2].Data);
        Assert.All(events.Skip(3), e => Assert.NotNull(e.Data));
        Assert.Equal("interaction.completed", events[^1].EventType);
    }

    [Fact]
    public async Task Failed_ends_the_interaction_failed_with_errors()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Faulty("failed"));

        response.ShouldBeOk();
        Assert.Equal("failed", (string?)response.Object["status"]);
        Assert.Single(response.Object["errors"]!.AsArray());
        Assert.DoesNotContain(response.Steps, s => (string?)s!["type"] == "model_output");
    }

    [Fact]
    public async Task Failed_streams_an_error_event_then_a_failed_completion()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Faulty("failed"));

        var events = await stream.ReadAllAsync();

        Assert.Equal("error", events[^2].EventType);
        Assert.IsType<string>((string?)events[^2].Data!["error"]!["code"]);
        Assert.False(string.IsNullOrEmpty((string?)events[^2].Data!["error"]!["message"]));
        Assert.Equal("failed", (string?)events[^1].Data!["interaction"]!["status"]);
    }

    [Fact]
    public async Task Omit_usage_leaves_usage_out_of_the_live_completion_but_not_out_of_get()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Faulty("omit_usage"));

        var completed = (await stream.ReadAllAsync())[^1].Data!["interaction"]!;
        var fetched = await emulator.GetAsync((string)completed["id"]!);

        Assert.Null(completed["usage"]);
        Assert.NotNull(fetched.Object["usage"]);
    }

    [Fact]
    public async Task A_fault_header_on_get_applies_to_that_get()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateAsync(Ask("hi"));

        var response = await emulator.GetAsync(created.Id, headers: new Dictionary<string, string> { ["x-emulator-fault"] = "server_error" });

        response.ShouldBeError(503, "UNAVAILABLE");
    }

    [Fact]
    public async Task A_configured_default_fault_applies_to_creates()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { Fault = "rate_limit", RetryAfterSeconds = 3 });
        var created = await emulator.CreateAsync(Ask("hi"));

        created.ShouldBeError(429, "RESOURCE_EXHAUSTED");
        Assert.Equal("3", created.Headers.GetValues("Retry-After").Single());
    }

    private static JsonObject Faulty(string fault, params (string Key, string Value)[] more)
    {
        var body = Ask("Explain how AI works");
        var labels = new JsonObject { ["emulator_fault"] = fault };
        foreach (var (key, value) in more)
        {
            labels[key] = value;
        }

        body["labels"] = labels;
        return body;
    }
}
