namespace Messaging.Worker.Quotas;

/// <summary>
/// The API refused the request's create for quota (429) and it may still wait: the run ends without a final event, its
/// lease is released, and the work queue's consumer puts it off until <see cref="Until"/> (<see cref="QuotaDeferrals"/>).
/// </summary>
#pragma warning disable CA1032, CA1064 // Control flow between the handler and its consumer, with one meaningful constructor.
internal sealed class QuotaWaitException(string model, DateTimeOffset until, string reason)
    : Exception($"The API's quota for {model} is exhausted ({reason}); the request waits until {until:O}")
#pragma warning restore CA1032, CA1064
{
    public string Model { get; } = model;

    public DateTimeOffset Until { get; } = until;

    public string Reason { get; } = reason;
}
