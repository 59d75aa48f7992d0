using System.Diagnostics;
using System.Diagnostics.Metrics;
using Messaging.Interactions.Models;

namespace Messaging.Worker.Infrastructure;

/// <summary>The worker's own traces and metrics (MassTransit and HttpClient add theirs under their own names).</summary>
public sealed class WorkerTelemetry : IDisposable
{
    /// <summary>The name of the worker's <see cref="ActivitySource"/> and <see cref="Meter"/>.</summary>
    public const string Name = "Messaging.Worker";

    private readonly Meter _meter;
    private readonly Counter<long> _deltas;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _outcomes;
    private readonly UpDownCounter<long> _inFlight;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public WorkerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _deltas = _meter.CreateCounter<long>("messaging.worker.step_deltas", "{delta}", "Step deltas published.");
        _tokens = _meter.CreateCounter<long>("messaging.worker.tokens", "{token}", "Tokens the API reported, by kind (input, output, thought, total).");
        _outcomes = _meter.CreateCounter<long>("messaging.worker.interactions", "{interaction}", "Requests handled, by outcome.");
        _inFlight = _meter.CreateUpDownCounter<long>("messaging.worker.streams_in_flight", "{stream}", "Interactions this replica is streaming now.");
    }

    /// <summary>Traces one request from the bus message to its final event.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Counts published deltas.</summary>
    public void DeltaPublished(string stepType) => _deltas.Add(1, new KeyValuePair<string, object?>("step.type", stepType));

    /// <summary>Counts a request's outcome (completed, requires_action, failed, cancelled, rejected).</summary>
    public void Outcome(string outcome) => _outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Tracks a stream starting (+1) or ending (-1).</summary>
    public void StreamsInFlight(int change) => _inFlight.Add(change);

    /// <summary>Counts the tokens of a final usage.</summary>
    public void TokensUsed(Usage? usage, string? modelOrAgent)
    {
        if (usage is null) return;
        var model = new KeyValuePair<string, object?>("gen_ai.request.model", modelOrAgent ?? "");
        Add(usage.TotalInputTokens, "input");
        Add(usage.TotalOutputTokens, "output");
        Add(usage.TotalThoughtTokens, "thought");
        Add(usage.TotalTokens, "total");

        void Add(long? value, string kind)
        {
            if (value is > 0) _tokens.Add(value.Value, model, new KeyValuePair<string, object?>("kind", kind));
        }
    }
    public void Dispose() => _meter.Dispose();
}
