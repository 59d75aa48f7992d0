using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Client;

/// <summary>Retries, resume and fallbacks, driven by the emulator's fault injection.</summary>
public class FaultToleranceTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CreateInteractionRequest Faulty(string prompt, params (string Key, string Value)[] labels)
    {
        var request = CreateInteractionRequest.ForModel("gemini-3.5-flash", prompt);
        var json = new JsonObject();
        foreach (var (key, value) in labels) json[key] = value;
        request.Labels = json;
        return request;
    }

    private int RequestsFor(string prompt) => fixture.Emulator.Requests.Count(r => r.Body.Contains(prompt, StringComparison.Ordinal));

    [Fact]
    public async Task A_rate_limit_is_retried_after_the_servers_retry_after()
    {
        const string prompt = "rate limited once";

        var interaction = await fixture.Client.CreateAsync(Faulty(prompt, ("emulator_fault", "rate_limit"), ("emulator_fault_count", "1")), Ct);

        Assert.Equal(InteractionStatus.Completed, interaction.Status);
        Assert.Equal(2, RequestsFor(prompt));
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_then_reported()
    {
        const string prompt = "always failing server";
        using var provider = fixture.CreateClient(o => o.MaxRetries = 2);

        var error = await Assert.ThrowsAsync<InteractionsApiException>(() =>
            provider.Client().CreateAsync(Faulty(prompt, ("emulator_fault", "server_error")), Ct));

        Assert.Equal(503, (int)error.StatusCode);
        Assert.True(error.IsRetryable);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(3, RequestsFor(prompt));
        Assert.DoesNotContain("test-key", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        const string prompt = "a bad request";

        var error = await Assert.ThrowsAsync<InteractionsApiException>(() =>
            fixture.Client.CreateAsync(Faulty(prompt, ("emulator_fault", "bad_request")), Ct));

        Assert.Equal(400, (int)error.StatusCode);
        Assert.False(error.IsRetryable);
        Assert.Equal(1, RequestsFor(prompt));
    }

    [Fact]
    public async Task A_retry_after_longer_than_allowed_fails_at_once_with_the_wait()
    {
        const string prompt = "come back much later";
        using var provider = fixture.CreateClient(o => o.MaxRetryAfter = TimeSpan.FromMilliseconds(500));

        var error = await Assert.ThrowsAsync<InteractionsApiException>(() =>
            provider.Client().CreateAsync(Faulty(prompt, ("emulator_fault", "rate_limit"), ("emulator_retry_after_s", "30")), Ct));

        Assert.Equal(429, (int)error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
        Assert.Equal(1, RequestsFor(prompt));
    }

    [Theory]
    [InlineData("cut_stream")]
    [InlineData("malformed_sse")]
    [InlineData("stall")]
    public async Task A_broken_stream_is_resumed_and_ends_with_the_same_steps_as_get(string fault)
    {
        using var provider = fixture.CreateClient(o => o.StreamIdleTimeout = TimeSpan.FromMilliseconds(400));
        var client = provider.Client();
        var request = Faulty($"please survive {fault}", ("emulator_fault", fault), ("emulator_fault_after", "5"), ("emulator_fault_count", "1"));

        var accumulator = new InteractionAccumulator();
        var ids = new List<string?>();
        await foreach (var e in client.CreateStreamAsync(request, Ct))
        {
            ids.Add(e.EventId);
            accumulator.Apply(e);
        }

        Assert.True(accumulator.IsCompleted);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var streamed = accumulator.ToInteraction();
        SeedSectionTests.AssertSameSteps(await client.GetAsync(streamed.Id, cancellationToken: Ct), streamed);
        Assert.Contains(fixture.Emulator.Requests, r => r.Method == "GET" && r.Path.EndsWith(streamed.Id, StringComparison.Ordinal) && r.QueryString.Contains("last_event_id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_resuming_is_not_possible_the_interaction_is_read_with_get()
    {
        using var provider = fixture.CreateClient(o => o.MaxStreamResumes = 0);
        var client = provider.Client();
        var request = Faulty("cut and never resumed", ("emulator_fault", "cut_stream"), ("emulator_fault_after", "4"));

        var accumulator = new InteractionAccumulator();
        InteractionEvent? last = null;
        await foreach (var e in client.CreateStreamAsync(request, Ct))
        {
            accumulator.Apply(e);
            last = e;
        }

        Assert.IsType<InteractionSnapshotEvent>(last);
        var streamed = accumulator.ToInteraction();
        Assert.Equal(InteractionStatus.Completed, streamed.Status);
        SeedSectionTests.AssertSameSteps(await client.GetAsync(streamed.Id, cancellationToken: Ct), streamed);
    }

    [Fact]
    public async Task A_live_completion_without_usage_gets_it_from_get()
    {
        InteractionCompletedEvent? completed = null;
        await foreach (var e in fixture.Client.CreateStreamAsync(Faulty("no usage please", ("emulator_fault", "omit_usage")), Ct))
            completed = e as InteractionCompletedEvent ?? completed;

        Assert.True(completed!.Interaction.Usage!.TotalTokens > 0);
    }

    [Fact]
    public async Task A_broken_stateless_stream_cannot_be_resumed_and_says_so()
    {
        var request = Faulty("stateless and cut", ("emulator_fault", "cut_stream"), ("emulator_fault_after", "3"));
        request.Store = false;

        var error = await Assert.ThrowsAsync<InteractionStreamException>(async () =>
        {
            await foreach (var _ in fixture.Client.CreateStreamAsync(request, Ct)) { }
        });

        Assert.Contains("store:false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interaction_that_fails_reports_its_errors()
    {
        var interaction = await fixture.Client.CreateAsync(Faulty("fail me", ("emulator_fault", "failed")), Ct);

        Assert.Equal(InteractionStatus.Failed, interaction.Status);
        Assert.NotEmpty(interaction.Errors);
    }
}
