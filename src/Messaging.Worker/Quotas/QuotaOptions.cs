namespace Messaging.Worker.Quotas;

/// <summary>How requests wait for the API's quota (configuration section <c>Quota</c>).</summary>
public sealed class QuotaOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Quota";

    /// <summary>
    /// How long a request may wait, in all, for its model's quota (each wait announced by an
    /// <see cref="Messaging.Contracts.InteractionDeferred"/>) before it fails with reason <c>quota</c>. Default 15 min.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(15);
}
