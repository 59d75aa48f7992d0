using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Infrastructure;

/// <summary>
/// Spans and metrics follow OpenTelemetry's GenAI conventions, in one trace from the caller's span through the bus to the
/// worker's HTTP call; the Grafana dashboard in infra/grafana reads only metrics the worker emits.
/// </summary>
public sealed class GenAiTelemetryTests : IAsyncDisposable
{
    private static readonly ActivitySource Caller = new("test-caller");
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ActivityListener _listener;
    private readonly MeterListener _meters = new();
    private readonly Messaging.Testing.EventLog _events = new();
    private EmulatorServer? _emulator;
    private WebApplication? _worker;

    public GenAiTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == WorkerTelemetry.Name && instrument.Name.StartsWith("gen_ai.", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, (long)(value * 1_000_000), tags));
        _meters.Start();
    }

    [Fact]
    public async Task A_run_is_one_trace_from_the_caller_to_the_api_call_with_gen_ai_attributes_and_metrics()
    {
        _emulator = await EmulatorServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        _worker = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = _emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
        }, configureBus: x =>
        {
            x.AddConsumer<EventCollector>();
            x.AddSingleton(_events);
        });
        var requestId = Guid.NewGuid();
        ActivityTraceId trace;
        using (var caller = Caller.StartActivity("caller", ActivityKind.Producer))
        {
            trace = caller!.TraceId;
            await _worker.Services.GetRequiredService<IBus>().Publish(new InteractionRequested
            {
                RequestId = requestId, Request = JsonDocument.Parse("""{"model":"gemini-3.5-flash","input":"Explain how AI works"}""").RootElement,
            }, TestContext.Current.CancellationToken);
        }
        var completed = (await _events.FinishedAsync(requestId)).Single<InteractionCompleted>();
        await SagaHarness.Eventually(() => _activities.Any(a => a.Source.Name == WorkerTelemetry.Name && Equals(a.GetTagItem("messaging.request_id"), requestId)),
            "the run's span ended");

        var run = _activities.Single(a => a.Source.Name == WorkerTelemetry.Name && Equals(a.GetTagItem("messaging.request_id"), requestId));
        Assert.Equal("generate_content gemini-3.5-flash", run.DisplayName);
        Assert.Equal(trace, run.TraceId); // the caller's trace, across the bus
        Assert.Equal(GenAiConventions.Provider, run.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("generate_content", run.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(requestId.ToString(), run.GetTagItem("gen_ai.conversation.id"));
        Assert.Equal(completed.InteractionId, run.GetTagItem("gen_ai.response.id"));
        var input = completed.Usage.GetProperty("total_input_tokens").GetInt64();
        var output = completed.Usage.GetProperty("total_output_tokens").GetInt64();
        Assert.Equal(input, run.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(output, run.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Contains(_activities, a => a.TraceId == trace && a.Kind == ActivityKind.Client && a.Source.Name.StartsWith("System.Net.Http", StringComparison.Ordinal)); // the API call

        var tokens = _measurements.Where(m => m.Instrument == "gen_ai.client.token.usage" && Equals(m.Tags["gen_ai.request.model"], "gemini-3.5-flash")).ToList();
        Assert.Contains(tokens, m => Equals(m.Tags["gen_ai.token.type"], "input") && m.Value == input);
        Assert.Contains(tokens, m => Equals(m.Tags["gen_ai.token.type"], "output") && m.Value == output);
        Assert.Contains(_measurements, m => m.Instrument == "gen_ai.client.operation.duration" && Equals(m.Tags["gen_ai.provider.name"], GenAiConventions.Provider));
    }

    [Fact]
    public void The_grafana_dashboard_reads_only_metrics_the_worker_emits()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == WorkerTelemetry.Name) names.Add(PrometheusName(instrument));
            };
            listener.Start();
            using var telemetry = new WorkerTelemetry(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        }
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "infra", "grafana", "messaging-genai.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.NotEmpty(queries);
        foreach (var query in queries)
        {
            // The series a query reads: its names outside "by (…)" label lists.
            var metrics = Regex.Matches(Regex.Replace(query, @"by \([^)]*\)", ""), @"(gen_ai|messaging)_[a-z_]+").Select(m => m.Value).ToList();
            Assert.NotEmpty(metrics);
            foreach (var metric in metrics)
            {
                var family = Regex.Replace(metric, "_(bucket|sum|count)$", "");
                Assert.True(names.Contains(family), $"the dashboard reads {metric}, which the worker does not emit ({string.Join(", ", names.Order())})");
            }
        }
        Assert.Contains("gen_ai_client_token_usage", names);
        Assert.Contains("gen_ai_client_operation_duration_seconds", names);
    }

    // How an OpenTelemetry Prometheus exporter names an instrument: dots to underscores, the unit's suffix, _total for counters.
    private static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        if (instrument.Unit == "s") name += "_seconds";
        if (instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root was not found");
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tag) in tags) copy[key] = tag;
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        _meters.Dispose();
        if (_worker is not null) await _worker.DisposeAsync();
        if (_emulator is not null) await _emulator.DisposeAsync();
    }
}
