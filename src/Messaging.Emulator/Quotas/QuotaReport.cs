namespace Messaging.Emulator.Quotas;

/// <summary>What the emulator's quotas admitted and refused (<see cref="EmulatorServer.Quotas"/>, <c>GET /emulator/quotas</c>).</summary>
/// <param name="Buckets">One per quota rule, API key and model that has seen a create.</param>
public sealed record QuotaReport(IReadOnlyList<QuotaBucketReport> Buckets)
{
    /// <summary>Creates admitted, in every bucket.</summary>
    public int Admitted => Buckets.Sum(static b => b.Windows.Sum(static w => w.Admitted));

    /// <summary>Creates answered 429 for a quota, in every bucket.</summary>
    public int Refused => Buckets.Sum(static b => b.Refused);
}

/// <summary>The counts of one quota rule for one API key and model.</summary>
/// <param name="ApiKey">The key the creates came with (empty: none).</param>
/// <param name="Model">The model or agent.</param>
/// <param name="RequestsPerWindow">The rule's limit, or null.</param>
/// <param name="TokensPerWindow">The rule's limit, or null.</param>
/// <param name="WindowSeconds">The window's length.</param>
/// <param name="RequestsPerDay">The rule's limit, or null.</param>
/// <param name="TokensPerDay">The rule's limit, or null.</param>
/// <param name="ConcurrentRequests">The rule's limit, or null.</param>
/// <param name="Windows">Every window with a create in it, oldest first.</param>
/// <param name="PeakConcurrent">The most runs in progress at once.</param>
/// <param name="Refused">Creates answered 429 by this rule.</param>
public sealed record QuotaBucketReport(
    string ApiKey,
    string Model,
    int? RequestsPerWindow,
    long? TokensPerWindow,
    double WindowSeconds,
    int? RequestsPerDay,
    long? TokensPerDay,
    int? ConcurrentRequests,
    IReadOnlyList<QuotaWindowReport> Windows,
    int PeakConcurrent,
    int Refused);

/// <summary>One window of a quota bucket.</summary>
/// <param name="Start">When the window began.</param>
/// <param name="Admitted">Creates admitted in it.</param>
/// <param name="Tokens">Tokens charged to it (input at admission, output and thought when runs ended).</param>
/// <param name="Refused">Creates answered 429 in it.</param>
public sealed record QuotaWindowReport(DateTimeOffset Start, int Admitted, long Tokens, int Refused);
