namespace Messaging.Emulator.Model;

/// <summary>Interaction status values (reference §4.1).</summary>
internal static class InteractionStatuses
{
    public const string InProgress = "in_progress";
    public const string RequiresAction = "requires_action";
    public const string RequiresContinuation = "requires_continuation";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
