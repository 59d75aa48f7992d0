using System.Globalization;
using System.Text.Json;
using MassTransit;
using Messaging.Worker.Publishing;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Interactions.Quotas;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Quotas;

/// <summary>
/// Requests wait for the API's quota instead of failing. While a model cools down for longer than the client waits
/// in-process (<see cref="InteractionsClientOptions.MaxRetryAfter"/>), its requests are put off on the broker until the
/// cooldown ends (<see cref="RequestWaits"/>) and each requester is told with <see cref="InteractionDeferred"/>. The
/// first wait's time travels with the message (<see cref="WaitingSinceHeader"/>), so a request fails (reason
/// <c>quota</c>) only once it has waited <see cref="QuotaOptions.MaxWait"/> in all (its last wait ends then).
/// </summary>
internal sealed class QuotaDeferrals(IQuotaCooldowns cooldowns, RequestWaits waits, IOptions<QuotaOptions> quota,
    IOptions<InteractionsClientOptions> client, TimeProvider clock, WorkerTelemetry telemetry, ILogger<QuotaDeferrals> logger)
{
    /// <summary>The header that holds when a request first waited for quota (Unix milliseconds).</summary>
    public const string WaitingSinceHeader = "messaging-quota-waiting-since";

    /// <summary>Since when the request has waited for quota, from its header; null when it never has.</summary>
    public static DateTimeOffset? WaitingSince(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return UnixTimeHeader.Read(context.Headers, WaitingSinceHeader);
    }

    /// <summary>The header that keeps a request's first quota wait when it waits again for another reason; null when it never waited for quota.</summary>
    public static IReadOnlyDictionary<string, object?>? Carry(DateTimeOffset? waitingSince) =>
        waitingSince is { } since ? new Dictionary<string, object?> { [WaitingSinceHeader] = since.ToUnixTimeMilliseconds() } : null;

    /// <summary>The model (or agent) a create body names; empty when it names none.</summary>
    public static string ModelOf(JsonElement request) =>
        request.ValueKind != JsonValueKind.Object ? "" :
        request.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString()! :
        request.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.String ? agent.GetString()! : "";

    /// <summary>
    /// When a request for <paramref name="model"/> should start instead of now, because its model cools down for longer
    /// than the client would wait; null when it may start now — also once it has waited <c>Quota:MaxWait</c>: then it
    /// starts, its create is held or refused, and it fails as the request that waited too long.
    /// </summary>
    public DateTimeOffset? HeldUntil(string model, DateTimeOffset? waitingSince)
    {
        if (model.Length == 0 || cooldowns.Remaining(model) is not { } left || left <= client.Value.MaxRetryAfter) return null;
        var now = clock.GetUtcNow();
        return DeferUntil(now + left, waitingSince ?? now);
    }

    /// <summary>
    /// Until when a request waiting since <paramref name="since"/> for quota that returns at <paramref name="until"/>
    /// waits next: that time, or the end of its <c>Quota:MaxWait</c> if sooner; null when that has passed (it fails).
    /// </summary>
    public DateTimeOffset? DeferUntil(DateTimeOffset until, DateTimeOffset since)
    {
        var last = since + quota.Value.MaxWait;
        if (clock.GetUtcNow() >= last) return null;
        return until < last ? until : last;
    }

    /// <summary>How long a request may wait for quota in all (<see cref="QuotaOptions.MaxWait"/>).</summary>
    public TimeSpan MaxWait => quota.Value.MaxWait;

    /// <summary>Announces the wait (<see cref="InteractionDeferred"/>) and puts the request off on the broker until <paramref name="until"/>.</summary>
    public async Task DeferAsync(ConsumeContext context, InteractionRequested message, string model, DateTimeOffset until, DateTimeOffset? waitingSince,
        RequesterReplies replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(message);
        // In whole milliseconds, as the header keeps it: every InteractionDeferred of a request names the same start.
        var since = waitingSince ?? DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        telemetry.Outcome("deferred");
        telemetry.QuotaDeferred(model);
        logger.LogInformation("Request {RequestId} waits for the quota of {Model} until {Until:O} (waiting since {Since:O})", message.RequestId, model, until, since);
        await replies.PublishAsync(context, new InteractionDeferred
        {
            RequestId = message.RequestId,
            ConversationId = message.ConversationId ?? message.RequestId,
            TurnId = message.TurnId ?? message.RequestId,
            Reason = "quota",
            RetryAt = until,
            WaitingSince = since,
            Model = model,
            Message = $"The API's quota for {model} is exhausted; the request waits and is tried again at {until:O} (it may wait up to Quota:MaxWait, {quota.Value.MaxWait}, in all).",
        }, message.ReplyTo);
        await waits.WaitAsync(message, until, context.CancellationToken, Carry(since));
    }
}
