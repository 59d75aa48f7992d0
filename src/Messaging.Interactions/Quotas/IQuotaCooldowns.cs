namespace Messaging.Interactions.Quotas;

/// <summary>
/// Which models the API is refusing right now. After a 429 for a model, no create for it is sent until its cooldown
/// ends: the client waits for a short one before each attempt, and fails a create at once, without sending it, when
/// the cooldown is longer than <see cref="InteractionsClientOptions.MaxRetryAfter"/>
/// (<see cref="InteractionsApiException.HeldByCooldown"/>). The default (<see cref="QuotaCooldowns"/>) knows what this
/// process saw; a service that runs many processes on one key shares it (the worker broadcasts each cooldown to every
/// replica), so one 429 holds them all.
/// </summary>
public interface IQuotaCooldowns
{
    /// <summary>How long creates for <paramref name="model"/> must still wait; null when they may go now.</summary>
    TimeSpan? Remaining(string model);

    /// <summary>
    /// The API refused a create for <paramref name="model"/> (429), asking for <paramref name="asked"/> (its
    /// <c>Retry-After</c> or <c>retryDelay</c>) if anything; returns when the cooldown ends.
    /// </summary>
    DateTimeOffset Refused(string model, TimeSpan? asked);

    /// <summary>A create for <paramref name="model"/> was admitted: the next refusal's backoff starts over.</summary>
    void Admitted(string model);

    /// <summary>A cooldown learnt from elsewhere (another process on the same key): holds <paramref name="model"/> until <paramref name="until"/>.</summary>
    void Hold(string model, DateTimeOffset until);
}
