using System.Diagnostics.Metrics;
using System.Net;
using MassTransit;
using Messaging.Contracts;
using Messaging.Testing;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Tests.Infrastructure;

/// <summary>The host around the consumer: health, the in-memory default, options, telemetry, and the key kept out of logs.</summary>
public sealed class WorkerHostTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    [Fact]
    public async Task Liveness_and_readiness_answer_healthy_with_the_bus_connected()
    {
        using var http = new HttpClient { BaseAddress = Fixture.Workers[0].Address() };

        var live = await http.GetAsync(ServiceDefaults.LivePath, Ct);
        var ready = await http.GetAsync(ServiceDefaults.ReadyPath, Ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Without_a_broker_url_the_worker_runs_in_process_on_the_in_memory_transport()
    {
        var settings = Fixture.WorkerSettings();
        settings.Remove("Bus:RabbitMqUrl");
        var events = new EventLog();
        await using var app = await WorkerHost.StartAsync(settings, configureBus: x =>
        {
            x.AddSingleton(events);
            x.AddConsumer<EventCollector>().Endpoint(e => e.ConcurrentMessageLimit = 1);
        });
        var requestId = Guid.NewGuid();

        await app.Services.GetRequiredService<IBus>().Publish(new InteractionRequested
        {
            RequestId = requestId, Request = Json("""{"model":"gemini-3.5-flash","input":"Explain how AI works"}"""),
        }, Ct);

        var finished = await events.FinishedAsync(requestId);
        StreamAssert.WellFormed(finished);
        Assert.StartsWith("loopback://", app.Services.GetRequiredService<IBus>().Address.ToString(), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = app.Address() };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ServiceDefaults.ReadyPath, Ct)).StatusCode);
    }

    [Theory]
    [InlineData("Worker:MaxConcurrentStreams", "0", "MaxConcurrentStreams")]
    [InlineData("Worker:BackgroundPollInterval", "00:00:00", "BackgroundPollInterval")]
    [InlineData("Bus:PrefetchCount", "0", "PrefetchCount")]
    public async Task Invalid_settings_stop_the_host_at_start(string key, string value, string named)
    {
        var settings = Fixture.WorkerSettings();
        settings.Remove("Bus:RabbitMqUrl");
        settings[key] = value;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WorkerHost.StartAsync(settings));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delta_and_token_counters_count_what_the_request_streamed_and_used()
    {
        // Only this collection's workers (tests of one collection run one at a time; other collections' hosts have other meters).
        var factories = Fixture.Workers.Select(w => w.Services.GetRequiredService<IMeterFactory>()).ToHashSet();
        long deltas = 0, totalTokens = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkerTelemetry.Name && instrument.Meter.Scope is IMeterFactory f && factories.Contains(f)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "messaging.worker.step_deltas") Interlocked.Add(ref deltas, value);
            if (instrument.Name == "messaging.worker.tokens" && HasTag(tags, "kind", "total")) Interlocked.Add(ref totalTokens, value);
        });
        listener.Start();

        var events = await RunAsync("""{"model":"gemini-3.5-flash","input":"Count my tokens"}""");

        var streamed = events.Of<StepDelta>().Sum(d => d.LastSequence - d.Sequence + 1);
        Assert.True(streamed > 0);
        Assert.Equal(streamed, Interlocked.Read(ref deltas));
        Assert.Equal(events.Single<InteractionCompleted>().Usage.GetProperty("total_tokens").GetInt64(), Interlocked.Read(ref totalTokens));
    }

    private static bool HasTag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key, string value)
    {
        foreach (var tag in tags)
            if (tag.Key == key && Equals(tag.Value, value)) return true;
        return false;
    }

    [Fact]
    public async Task The_api_key_never_reaches_the_logs()
    {
        await RunAsync("""{"model":"gemini-3.5-flash","input":"Is my key safe?"}""");
        await RunAsync("""{"model":"gemini-3.5-flash","input":"Is my key safe?","labels":{"emulator_fault":"bad_request"}}""");

        var lines = Fixture.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("x-goog-api-key", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains(WorkerFixture.ApiKey, StringComparison.Ordinal));
    }
}
