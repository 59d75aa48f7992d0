using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Messaging.Contracts;

namespace Messaging.Worker.Infrastructure;

/// <summary>
/// OpenTelemetry's GenAI semantic conventions for each request's run: the span's <c>gen_ai.*</c> attributes (provider,
/// operation, model, conversation, response id, finish reason, token usage) and the two client metrics,
/// <c>gen_ai.client.token.usage</c> and <c>gen_ai.client.operation.duration</c>, on the worker's meter. The names are the
/// conventions' own, so GenAI dashboards and backends read them without a mapping (<c>infra/grafana/</c> has one).
/// </summary>
public sealed class GenAiConventions
{
    /// <summary>The provider, as the conventions name Google's Gemini API.</summary>
    public const string Provider = "gcp.gemini";

    private readonly Histogram<long> _tokenUsage;
    private readonly Histogram<double> _duration;

    /// <summary>Creates the two instruments on <paramref name="meter"/>.</summary>
    public GenAiConventions(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _tokenUsage = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens used per interaction, by gen_ai.token.type (input, output).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304] });
        _duration = meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "How long a request's run at the API took, to its final event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
    }

    /// <summary>The operation: <c>invoke_agent</c> for an agent, <c>generate_content</c> for a model.</summary>
    public static string OperationOf(bool agent) => agent ? "invoke_agent" : "generate_content";

    /// <summary>Names the run's span as the conventions do and sets what is known before it starts.</summary>
    public static void Started(Activity? activity, string? model, bool agent, Guid conversationId)
    {
        if (activity is null) return;
        var operation = OperationOf(agent);
        activity.DisplayName = model is null ? operation : $"{operation} {model}";
        activity.SetTag("gen_ai.provider.name", Provider);
        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("gen_ai.conversation.id", conversationId.ToString());
    }

    /// <summary>Records how the run ended: its final events' usage and finish reason, and how long it took.</summary>
    public void Ended(Activity? activity, string? model, bool agent, IReadOnlyList<object> finals, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(finals);
        var (usage, finish, responseId, error) = Outcome(finals);
        var tags = new TagList
        {
            { "gen_ai.provider.name", Provider }, { "gen_ai.operation.name", OperationOf(agent) }, { "gen_ai.request.model", model ?? "" },
        };
        if (error is not null) tags.Add("error.type", error);
        _duration.Record(duration.TotalSeconds, tags);
        var input = Count(usage, "total_input_tokens");
        var output = Count(usage, "total_output_tokens");
        if (input is { } i) _tokenUsage.Record(i, WithType(tags, "input"));
        if (output is { } o) _tokenUsage.Record(o, WithType(tags, "output"));
        if (activity is null) return;
        activity.SetTag("gen_ai.response.id", responseId);
        if (finish is not null) activity.SetTag("gen_ai.response.finish_reasons", new[] { finish });
        if (input is not null) activity.SetTag("gen_ai.usage.input_tokens", input);
        if (output is not null) activity.SetTag("gen_ai.usage.output_tokens", output);
        if (error is not null)
        {
            activity.SetTag("error.type", error);
            activity.SetStatus(ActivityStatusCode.Error, error);
        }
    }

    private static TagList WithType(TagList tags, string type)
    {
        var copy = tags;
        copy.Add("gen_ai.token.type", type);
        return copy;
    }

    private static (JsonElement Usage, string? Finish, string? ResponseId, string? Error) Outcome(IReadOnlyList<object> finals)
    {
        foreach (var message in finals)
        {
            switch (message)
            {
                case InteractionCompleted c: return (c.Usage, c.Status == "completed" ? "stop" : c.Status, c.InteractionId, null);
                case InteractionRequiresAction a: return (a.Usage, "tool_calls", a.InteractionId, null);
                case InteractionFailed f: return (default, "error", f.InteractionId, f.Reason);
                case InteractionCancelled c: return (default, "cancelled", c.InteractionId, null);
                case InteractionRejected r: return (default, null, null, r.Reason);
            }
        }
        return (default, null, null, null);
    }

    private static long? Count(JsonElement usage, string name) =>
        usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var count) ? count : null;
}
