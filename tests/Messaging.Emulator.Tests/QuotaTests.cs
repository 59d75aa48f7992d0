using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Messaging.Emulator.Quotas;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>
/// Quotas as Gemini enforces them (Emulator:Quotas and the quota labels): per API key and model, requests and tokens
/// per window and per day, runs in progress; past a limit a 429 with QuotaFailure and RetryInfo and no Retry-After.
/// Windows here are a day long, so none rolls over during a test.
/// </summary>
public sealed partial class QuotaTests
{
    private const double Day = 86_400;

    [Fact]
    public async Task Past_the_requests_per_window_a_create_gets_429_with_quota_failure_and_a_fractional_retry_delay()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { RequestsPerWindow = 2, WindowSeconds = Day });
        await using var emulator = await TestEmulator.StartAsync(options);

        (await emulator.CreateAsync(Ask("one"), headers: Key("k1"))).ShouldBeOk();
        (await emulator.CreateAsync(Ask("two"), headers: Key("k1"))).ShouldBeOk();
        var refused = await emulator.CreateAsync(Ask("three"), headers: Key("k1"));

        refused.ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
        Assert.False(refused.Headers.Contains("Retry-After"));
        var details = refused.Object["error"]!["details"]!.AsArray();
        var violation = Detail(details, "QuotaFailure")["violations"]!.AsArray().Single()!;
        Assert.Equal("GenerateRequestsPer86400SecondsPerProjectPerModel", (string)violation["quotaId"]!);
        Assert.Equal("generativelanguage.googleapis.com/generate_content_requests", (string)violation["quotaMetric"]!);
        Assert.Equal("gemini-3.5-flash", (string)violation["quotaDimensions"]!["model"]!);
        Assert.Equal("2", (string)violation["quotaValue"]!);
        var delay = (string)Detail(details, "RetryInfo")["retryDelay"]!;
        Assert.Matches(RetryDelayFormat(), delay);
        Assert.Contains($"Please retry in {delay}.", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("limit: 2, model: gemini-3.5-flash", refused.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_api_key_and_each_model_has_its_own_count()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { RequestsPerWindow = 1, WindowSeconds = Day });
        await using var emulator = await TestEmulator.StartAsync(options);

        (await emulator.CreateAsync(Ask("a"), headers: Key("k1"))).ShouldBeOk();
        (await emulator.CreateAsync(Ask("b"), headers: Key("k2"))).ShouldBeOk();
        (await emulator.CreateAsync(Body("gemini-3.5-pro", "c"), headers: Key("k1"))).ShouldBeOk();
        (await emulator.CreateAsync(Ask("d"), headers: Key("k1"))).ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);

        var report = emulator.Server.Quotas;
        Assert.Equal(3, report.Admitted);
        Assert.Equal(1, report.Refused);
        Assert.Equal(3, report.Buckets.Count);
        Assert.Equal(1, report.Buckets.Single(b => b is { ApiKey: "k1", Model: "gemini-3.5-flash" }).Refused);
    }

    [Fact]
    public async Task A_rule_for_one_key_and_model_leaves_the_others_alone()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { ApiKey = "limited", Model = "gemini-3.5-flash", RequestsPerWindow = 1, WindowSeconds = Day });
        await using var emulator = await TestEmulator.StartAsync(options);

        (await emulator.CreateAsync(Ask("a"), headers: Key("limited"))).ShouldBeOk();
        (await emulator.CreateAsync(Ask("b"), headers: Key("limited"))).ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
        (await emulator.CreateAsync(Ask("c"), headers: Key("free"))).ShouldBeOk();
        (await emulator.CreateAsync(Body("gemini-3.5-pro", "d"), headers: Key("limited"))).ShouldBeOk();
    }

    [Fact]
    public async Task The_key_may_also_come_in_the_query()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { ApiKey = "q", RequestsPerWindow = 1, WindowSeconds = Day });
        await using var emulator = await TestEmulator.StartAsync(options);

        (await emulator.CreateRawAsync(Ask("a").ToJsonString(), query: "?key=q")).ShouldBeOk();
        (await emulator.CreateRawAsync(Ask("b").ToJsonString(), query: "?key=q")).ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
    }

    [Fact]
    public async Task Tokens_per_window_count_the_input_at_admission_and_the_output_when_the_run_ends()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { TokensPerWindow = 40, WindowSeconds = Day });
        await using var emulator = await TestEmulator.StartAsync(options);

        // The first create of a window is admitted even when it is larger than the limit on its own.
        var first = await emulator.CreateAsync(Ask(new string('x', 400)), headers: Key("k"));
        first.ShouldBeOk();
        var refused = await emulator.CreateAsync(Ask("small"), headers: Key("k"));

        refused.ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
        var violation = Detail(refused.Object["error"]!["details"]!.AsArray(), "QuotaFailure")["violations"]!.AsArray().Single()!;
        Assert.Equal("GenerateContentTokensPer86400SecondsPerProjectPerModel", (string)violation["quotaId"]!);
        var usage = first.Object["usage"]!;
        var window = emulator.Server.Quotas.Buckets.Single().Windows.Single();
        Assert.Equal((long)usage["total_tokens"]!, window.Tokens);
        Assert.Equal(1, window.Admitted);
        Assert.Equal(1, window.Refused);
    }

    [Fact]
    public async Task A_daily_quota_names_itself_per_day()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { RequestsPerDay = 1 });
        await using var emulator = await TestEmulator.StartAsync(options);

        (await emulator.CreateAsync(Ask("a"))).ShouldBeOk();
        var refused = await emulator.CreateAsync(Ask("b"));

        refused.ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
        var details = refused.Object["error"]!["details"]!.AsArray();
        Assert.Equal("GenerateRequestsPerDayPerProjectPerModel", (string)Detail(details, "QuotaFailure")["violations"]![0]!["quotaId"]!);
        Assert.Matches(RetryDelayFormat(), (string)Detail(details, "RetryInfo")["retryDelay"]!);
    }

    [Fact]
    public async Task Concurrent_runs_are_limited_until_one_ends()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { ConcurrentRequests = 1 });
        await using var emulator = await TestEmulator.StartAsync(options);
        var background = Ask("slow");
        background["background"] = true;
        background["labels"] = new JsonObject { ["emulator_background_ms"] = "600000" };

        var running = await emulator.CreateAsync(background);
        running.ShouldBeOk();
        (await emulator.CreateAsync(Ask("meanwhile"))).ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
        (await emulator.CancelAsync(running.Id)).ShouldBeOk();
        await emulator.WaitUntilFinishedAsync(running.Id);

        (await emulator.CreateAsync(Ask("after"))).ShouldBeOk();
        Assert.Equal(1, emulator.Server.Quotas.Buckets.Single().PeakConcurrent);
    }

    [Fact]
    public async Task Labels_give_a_create_a_quota_of_its_own()
    {
        await using var emulator = await TestEmulator.StartAsync();
        JsonObject Limited(string text)
        {
            var body = Ask(text);
            body["labels"] = new JsonObject { ["emulator_quota_requests"] = "1", ["emulator_quota_window_s"] = "86400" };
            return body;
        }

        (await emulator.CreateAsync(Limited("a"))).ShouldBeOk();
        (await emulator.CreateAsync(Limited("b"))).ShouldBeError(429, "RESOURCE_EXHAUSTED", withDetails: true);
        (await emulator.CreateAsync(Ask("unlimited"))).ShouldBeOk();
    }

    [Fact]
    public async Task The_counts_are_served_as_json_for_out_of_process_runs()
    {
        var options = new EmulatorOptions();
        options.Quotas.Add(new EmulatorQuota { RequestsPerWindow = 1, WindowSeconds = Day });
        await using var emulator = await TestEmulator.StartAsync(options);
        await emulator.CreateAsync(Ask("a"));
        await emulator.CreateAsync(Ask("b"));

        var report = JsonNode.Parse(await emulator.Http.GetStringAsync(new Uri("/emulator/quotas", UriKind.Relative), TestEmulator.Ct))!;

        var bucket = report["buckets"]!.AsArray().Single()!;
        Assert.Equal(1, (int)bucket["refused"]!);
        Assert.Equal(1, (int)bucket["windows"]![0]!["admitted"]!);
        Assert.Equal(1, (int)bucket["requestsPerWindow"]!);
    }

    [Fact]
    public async Task Under_concurrent_creates_across_window_ends_each_window_is_counted_once_and_never_past_its_limit()
    {
        var options = new EmulatorOptions { RecordRequests = false };
        options.Quotas.Add(new EmulatorQuota { RequestsPerWindow = 5, WindowSeconds = 0.2 });
        await using var emulator = await TestEmulator.StartAsync(options);

        // Creates from many threads at once, while windows end every 200 ms: a thread that read the time before another
        // counted in the next window must not move the window back.
        using var load = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            while (!load.IsCancellationRequested) await emulator.CreateAsync(Ask($"load {i}"));
        }));

        var windows = emulator.Server.Quotas.Buckets.Single().Windows;
        Assert.True(windows.Count > 3, $"only {windows.Count} windows");
        Assert.Equal(windows.Select(w => w.Start).Order(), windows.Select(w => w.Start));
        Assert.Equal(windows.Count, windows.Select(w => w.Start).Distinct().Count());
        Assert.All(windows, w => Assert.True(w.Admitted <= 5, $"{w.Admitted} admitted in the window of {w.Start:O}"));
    }

    private static Dictionary<string, string> Key(string key) => new() { ["x-goog-api-key"] = key };

    private static JsonObject Detail(JsonArray details, string type) =>
        details.Single(d => (string)d!["@type"]! == $"type.googleapis.com/google.rpc.{type}")!.AsObject();

    [GeneratedRegex(@"^\d+(\.\d{1,9})?s$")]
    private static partial Regex RetryDelayFormat();
}
