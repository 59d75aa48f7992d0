namespace Messaging.Interactions.Quotas;

/// <summary>
/// The tenant the creates of the current call flow count for, so an <see cref="IQuotaAdmission"/> can share a quota
/// fairly between tenants. Ambient (as <c>Activity.Current</c> is) because it rides through the HTTP pipeline, which only
/// sees requests: <c>using (QuotaTenant.Enter("acme")) { … }</c> around the calls.
/// </summary>
public static class QuotaTenant
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>The tenant of the current flow; null when none was entered.</summary>
    public static string? Current => Ambient.Value;

    /// <summary>Makes <paramref name="tenant"/> the current one until the returned scope is disposed.</summary>
    public static IDisposable Enter(string? tenant)
    {
        var previous = Ambient.Value;
        Ambient.Value = tenant;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
