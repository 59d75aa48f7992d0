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
    private readonly Counter<long> _checkpointWrites;
    private readonly Counter<long> _checkpointErrors;
    private readonly Counter<long> _takeovers;
    private readonly Counter<long> _ownershipLost;
    private readonly Histogram<double> _leaseWaits;
    private readonly Histogram<double> _createWindows;
    private readonly Histogram<double> _stages;
    private readonly Counter<long> _cooldowns;
    private readonly Counter<long> _deferrals;
    private readonly Counter<long> _admissions;
    private readonly Counter<long> _quotaTokens;
    private readonly Counter<long> _tenantTokens;
    private readonly Counter<long> _budgetRefusals;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public WorkerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        GenAi = new GenAiConventions(_meter);
        _deltas = _meter.CreateCounter<long>("messaging.worker.step_deltas", "{delta}", "Step deltas published.");
        _tokens = _meter.CreateCounter<long>("messaging.worker.tokens", "{token}", "Tokens the API reported, by kind (input, output, thought, total).");
        _outcomes = _meter.CreateCounter<long>("messaging.worker.interactions", "{interaction}", "Requests handled, by outcome.");
        _inFlight = _meter.CreateUpDownCounter<long>("messaging.worker.streams_in_flight", "{stream}", "Interactions this replica is streaming now.");
        _checkpointWrites = _meter.CreateCounter<long>("messaging.worker.checkpoint_writes", "{row}",
            "Checkpoint rows written, by kind (claim, progress, renew, restart, ending, ended).");
        _checkpointErrors = _meter.CreateCounter<long>("messaging.worker.checkpoint_errors", "{error}", "Checkpoint store calls that failed and were retried.");
        _takeovers = _meter.CreateCounter<long>("messaging.worker.takeovers", "{request}",
            "Requests that had been started before, by what this replica did: resumed, restarted (store: false), create_window " +
            "(the interaction's id was never recorded: a second interaction), republished (final events recorded, published again), " +
            "duplicate (ended already: nothing), rejected (the requestId came with another body).");
        _ownershipLost = _meter.CreateCounter<long>("messaging.worker.ownership_lost", "{request}",
            "Requests another replica took over while this one still ran them (a lease lapsed while the store was unreachable).");
        _leaseWaits = _meter.CreateHistogram<double>("messaging.worker.lease_wait", "s",
            "How long a request waited for another replica's lease to end or lapse before it was claimed.");
        _createWindows = _meter.CreateHistogram<double>("messaging.worker.create_window", "s",
            "From the API naming an interaction to its id being recorded: a replica killed in between costs a second interaction.");
        _stages = _meter.CreateHistogram<double>("messaging.worker.request_stage", "ms",
            "How far a request's start had got, by stage, in milliseconds after it was published (its envelope's sentTime, on the " +
            "publisher's clock): received, claimed, admitted, api_call (the create sent), first_event (from the API), " +
            "started_published, first_delta_published. Where the time to the first delta goes.");
        _cooldowns = _meter.CreateCounter<long>("messaging.worker.quota_cooldowns", "{cooldown}",
            "Quota cooldowns taken in, by model and origin (here: a 429 this replica received; shared: another replica's).");
        _deferrals = _meter.CreateCounter<long>("messaging.worker.quota_deferrals", "{request}",
            "Requests put off on the broker to wait for their model's quota (each InteractionDeferred), by model.");
        _admissions = _meter.CreateCounter<long>("messaging.worker.quota_admissions", "{create}",
            "Creates asked for a place in a configured quota window (Quota:Limits), by model and result (admitted, full, unreachable).");
        _quotaTokens = _meter.CreateCounter<long>("messaging.worker.quota_tokens", "{token}",
            "Tokens of creates against a configured token limit, by model and kind (reserved: admitted estimates; refused: estimates that did not fit; used: what the API reported).");
        _tenantTokens = _meter.CreateCounter<long>("messaging.worker.tenant_tokens", "{token}",
            "Tokens the API reported per interaction, by tenant (empty: none) and model: what each tenant used.");
        _budgetRefusals = _meter.CreateCounter<long>("messaging.worker.budget_refusals", "{request}",
            "Requests refused because a token budget was spent (InteractionRejected over_budget), by scope (conversation, tenant) and tenant.");
    }

    /// <summary>Counts a quota cooldown taken in (<paramref name="origin"/>: here or shared).</summary>
    public void QuotaCooldown(string model, string origin) =>
        _cooldowns.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model), new KeyValuePair<string, object?>("origin", origin));

    /// <summary>Counts a request put off to wait for quota.</summary>
    public void QuotaDeferred(string model) => _deferrals.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model));

    /// <summary>Counts tokens against a token limit (reserved, refused, used).</summary>
    public void QuotaTokens(string model, string kind, long tokens, string? tenant = null) =>
        _quotaTokens.Add(tokens, new KeyValuePair<string, object?>("gen_ai.request.model", model), new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("tenant", tenant ?? ""));

    /// <summary>Counts an admission's result (admitted, full, unreachable), with the tenant it was for when it has one.</summary>
    public void QuotaAdmission(string model, string result, string? tenant = null) =>
        _admissions.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model), new KeyValuePair<string, object?>("result", result),
            new KeyValuePair<string, object?>("tenant", tenant ?? ""));

    /// <summary>Counts the tokens an interaction of <paramref name="tenant"/> used.</summary>
    public void TenantTokens(string? tenant, string model, long tokens) =>
        _tenantTokens.Add(tokens, new KeyValuePair<string, object?>("tenant", tenant ?? ""), new KeyValuePair<string, object?>("gen_ai.request.model", model));

    /// <summary>Counts a request refused for a spent budget.</summary>
    public void BudgetRefused(string scope, string? tenant) =>
        _budgetRefusals.Add(1, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("tenant", tenant ?? ""));

    /// <summary>The GenAI conventions' span attributes and metrics of each run.</summary>
    public GenAiConventions GenAi { get; }

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
    /// <summary>Counts checkpoint rows written.</summary>
    public void CheckpointWrite(string kind, int rows = 1) => _checkpointWrites.Add(rows, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a failed checkpoint store call.</summary>
    public void CheckpointError() => _checkpointErrors.Add(1);

    /// <summary>Counts a request that had been started before (see the instrument's description for <paramref name="kind"/>).</summary>
    public void Takeover(string kind) => _takeovers.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a request taken over while this replica still ran it.</summary>
    public void OwnershipLost() => _ownershipLost.Add(1);

    /// <summary>Records a wait for another replica's lease.</summary>
    public void LeaseWaited(TimeSpan waited) => _leaseWaits.Record(waited.TotalSeconds);

    /// <summary>A request <paramref name="publishedAt"/> reached <paramref name="stage"/> of its start (nothing when nobody listens or the time is unknown).</summary>
    public void Stage(DateTime? publishedAt, string stage)
    {
        if (publishedAt is { } at && _stages.Enabled) _stages.Record((DateTime.UtcNow - at).TotalMilliseconds, new KeyValuePair<string, object?>("stage", stage));
    }

    /// <summary>An interaction's id was recorded <paramref name="after"/> the API named it.</summary>
    public void CreateWindow(TimeSpan after) => _createWindows.Record(after.TotalSeconds);

    public void Dispose() => _meter.Dispose();
}
