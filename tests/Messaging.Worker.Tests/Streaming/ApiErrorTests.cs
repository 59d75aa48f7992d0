using Messaging.Contracts;
using Messaging.Testing;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>API errors and broken streams become clear events: 4xx at once, 429/5xx after bounded retries.</summary>
public sealed class ApiErrorTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    [Fact]
    public async Task A_4xx_is_not_retried_and_fails_with_the_api_message()
    {
        var (events, attempts) = await RunLabelledAsync("""{"emulator_fault":"bad_request"}""");

        var failed = events.Single<InteractionFailed>();
        Assert.Equal(("api_error", false, 1), (failed.Reason, failed.Retryable, failed.Attempts));
        Assert.Equal(400, failed.Error.GetProperty("code").GetInt32());
        Assert.Equal("INVALID_ARGUMENT", failed.Error.GetProperty("status").GetString());
        Assert.Equal(failed.Error.GetProperty("message").GetString(), failed.Message);
        Assert.False(string.IsNullOrWhiteSpace(failed.Message));
        Assert.Equal(1, attempts);
        Assert.DoesNotContain(events.All, m => m is InteractionStarted);
    }

    [Fact]
    public async Task A_429_is_retried_honouring_retry_after_and_then_succeeds()
    {
        var (events, attempts) = await RunLabelledAsync("""{"emulator_fault":"rate_limit","emulator_fault_count":"1","emulator_retry_after_s":"0"}""");

        StreamAssert.WellFormed(events);
        Assert.Equal("completed", events.Single<InteractionCompleted>().Status);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Server_error_retries_are_bounded_and_then_fail_as_retryable()
    {
        var (events, attempts) = await RunLabelledAsync("""{"emulator_fault":"server_error","emulator_retry_after_s":"0"}""");

        var failed = events.Single<InteractionFailed>();
        Assert.Equal(("api_error", true), (failed.Reason, failed.Retryable));
        Assert.Equal(503, failed.Error.GetProperty("code").GetInt32());
        Assert.Equal(WorkerFixture.MaxRetries + 1, failed.Attempts);
        Assert.Equal(WorkerFixture.MaxRetries + 1, attempts);
    }

    [Fact]
    public async Task A_429_on_every_attempt_waits_announced_and_fails_as_quota_once_waiting_would_pass_quota_max_wait()
    {
        var (events, attempts) = await RunLabelledAsync("""{"emulator_fault":"rate_limit","emulator_retry_after_s":"0"}""");

        var deferred = events.All.OfType<InteractionDeferred>().ToList();
        Assert.NotEmpty(deferred);
        Assert.All(deferred, d => Assert.Equal(("quota", "gemini-3.5-flash"), (d.Reason, d.Model)));
        Assert.Single(deferred.Select(d => d.WaitingSince).Distinct());
        var failed = events.Single<InteractionFailed>();
        Assert.Equal(("quota", true), (failed.Reason, failed.Retryable));
        Assert.Equal(429, failed.Error.GetProperty("code").GetInt32());
        Assert.Contains("Quota:MaxWait", failed.Message, StringComparison.Ordinal);
        Assert.Equal((deferred.Count + 1) * (WorkerFixture.MaxRetries + 1), attempts);
        Assert.DoesNotContain(events.All, m => m is InteractionStarted);
    }

    [Fact]
    public async Task An_interaction_that_ends_failed_is_reported_with_the_api_error()
    {
        var (events, _) = await RunLabelledAsync("""{"emulator_fault":"failed"}""");

        StreamAssert.WellFormed(events);
        var failed = events.Single<InteractionFailed>();
        Assert.Equal(("api_error", false, "failed"), (failed.Reason, failed.Retryable, failed.Status));
        Assert.Equal(events.Single<InteractionStarted>().InteractionId, failed.InteractionId);
        Assert.False(string.IsNullOrWhiteSpace(failed.Message));
        Assert.Equal(failed.Message, failed.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_cut_stream_is_resumed_without_losing_or_repeating_a_delta()
    {
        var (events, _) = await RunLabelledAsync("""{"emulator_fault":"cut_stream","emulator_fault_count":"1","emulator_fault_after":"7","emulator_chunks":"10"}""");

        StreamAssert.WellFormed(events);
        Assert.Equal("completed", events.Single<InteractionCompleted>().Status);
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
        Assert.Contains(Fixture.Emulator.Requests, r => r.Method == "GET" && r.QueryString.Contains("last_event_id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stream_that_cannot_be_resumed_fails_as_stream_broken()
    {
        var (events, _) = await RunLabelledAsync("""{"emulator_fault":"cut_stream","emulator_fault_after":"5"}""", store: false);

        var failed = events.Single<InteractionFailed>();
        Assert.Equal(("stream_broken", true), (failed.Reason, failed.Retryable));
        Assert.Equal(events.Single<InteractionStarted>().InteractionId, failed.InteractionId);
    }

    [Fact]
    public async Task Usage_missing_from_the_stream_is_read_with_a_get()
    {
        var (events, _) = await RunLabelledAsync("""{"emulator_fault":"omit_usage"}""");

        var completed = events.Single<InteractionCompleted>();
        Assert.True(completed.Usage.GetProperty("total_tokens").GetInt64() > 0);
    }

    /// <summary>Runs a request with emulator labels plus a unique one, and counts the creates the emulator received for it.</summary>
    private async Task<(RequestEvents Events, int Attempts)> RunLabelledAsync(string labels, bool store = true)
    {
        var tag = Guid.NewGuid().ToString("N");
        var events = await RunAsync($$"""
            {"model":"gemini-3.5-flash","input":"Explain how AI works","store":{{(store ? "true" : "false")}},
             "labels":{{labels[..^1]}},"test_tag":"{{tag}}"} }
            """);
        var attempts = Fixture.Emulator.Requests.Count(r => r.Method == "POST" && r.Body.Contains(tag, StringComparison.Ordinal));
        return (events, attempts);
    }
}
