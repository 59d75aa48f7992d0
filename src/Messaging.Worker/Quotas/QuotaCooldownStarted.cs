namespace Messaging.Worker.Quotas;

/// <summary>
/// Between replicas: a 429 started a cooldown for <see cref="Model"/> on the API key whose fingerprint is
/// <see cref="KeyFingerprint"/>; every replica on that key holds the model's creates until <see cref="Until"/>.
/// Published to each replica's control queue (<see cref="QuotaCooldownConsumer"/>).
/// </summary>
public sealed record QuotaCooldownStarted
{
    /// <summary>The first 16 hex digits of the SHA-256 of the API key: replicas on other keys ignore the cooldown; the key itself never travels.</summary>
    public string KeyFingerprint { get; init; } = "";

    /// <summary>The model (or agent).</summary>
    public string Model { get; init; } = "";

    /// <summary>When the cooldown ends.</summary>
    public DateTimeOffset Until { get; init; }
}
