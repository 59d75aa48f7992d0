using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Messaging.Interactions.Quotas;

/// <summary>
/// The cooldowns this process knows of, per model. A refusal holds the model for the longest of what the API asked
/// for and an exponential backoff (<see cref="InteractionsClientOptions.RetryBaseDelay"/> doubling per refusal in a
/// row, up to <see cref="InteractionsClientOptions.MaxRetryDelay"/>), so a 429 without a wait in it still holds the
/// model a while. <see cref="Started"/> tells whoever shares cooldowns (each refusal here; not <see cref="Hold"/>).
/// </summary>
public sealed class QuotaCooldowns(IOptionsMonitor<InteractionsClientOptions> options, TimeProvider clock) : IQuotaCooldowns
{
    private readonly ConcurrentDictionary<string, Cooldown> _models = new(StringComparer.Ordinal);

    /// <summary>Raised when a refusal here starts or lengthens a model's cooldown: the model and the cooldown's end.</summary>
    public event Action<string, DateTimeOffset>? Started;

    /// <inheritdoc />
    public TimeSpan? Remaining(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!_models.TryGetValue(model, out var cooldown)) return null;
        var left = cooldown.Until - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : null;
    }

    /// <inheritdoc />
    public DateTimeOffset Refused(string model, TimeSpan? asked)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = options.CurrentValue;
        var now = clock.GetUtcNow();
        var updated = _models.AddOrUpdate(model,
            _ => new Cooldown(now + Longest(asked, Backoff(o, 1)), 1),
            (_, current) =>
            {
                var refusals = current.Refusals + 1;
                var until = now + Longest(asked, Backoff(o, refusals));
                return new Cooldown(until > current.Until ? until : current.Until, refusals);
            });
        Started?.Invoke(model, updated.Until);
        return updated.Until;
    }

    /// <inheritdoc />
    public void Admitted(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Keep a cooldown learnt from elsewhere; only the count of refusals in a row starts over.
        _models.AddOrUpdate(model, static _ => new Cooldown(DateTimeOffset.MinValue, 0), static (_, current) => current with { Refusals = 0 });
    }

    /// <inheritdoc />
    public void Hold(string model, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(model);
        _models.AddOrUpdate(model, _ => new Cooldown(until, 0),
            (_, current) => until > current.Until ? current with { Until = until } : current);
    }

    private static TimeSpan Backoff(InteractionsClientOptions o, int refusals)
    {
        var delay = o.RetryBaseDelay * Math.Pow(2, Math.Min(refusals - 1, 30));
        return delay < o.MaxRetryDelay ? delay : o.MaxRetryDelay;
    }

    private static TimeSpan Longest(TimeSpan? asked, TimeSpan backoff) => asked is { } wait && wait > backoff ? wait : backoff;

    private sealed record Cooldown(DateTimeOffset Until, int Refusals);
}
