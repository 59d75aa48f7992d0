using System.ComponentModel.DataAnnotations;

namespace Messaging.Client.Interactions;

/// <summary>The client's settings (configuration section <c>InteractionsBus</c>).</summary>
public sealed class InteractionsBusOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "InteractionsBus";

    /// <summary>The service's name, the first part of its reply queue's (<c>reply-billing-…</c>). Default: the entry assembly's name.</summary>
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    public string? ClientName { get; set; }

    /// <summary>
    /// This instance's name, the second part: keep it across restarts (a pod's name, say) and its durable queue — with
    /// the answers that came while it was away — is its own again. Default: the machine's name.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    public string? InstanceName { get; set; }

    /// <summary>Messages the broker hands the reply queue's consumer ahead (default 1000).</summary>
    [Range(1, 65535)]
    public int PrefetchCount { get; set; } = 1000;

    /// <summary>
    /// Replies handled at once (default 1: in the order the broker delivers them, which is the order the worker published
    /// them; handling one is a dictionary lookup). More is faster under a very large load; deltas and steps are still put in
    /// order, but a status change may then come after its request's final event, and be dropped.
    /// </summary>
    [Range(1, 1024)]
    public int ConcurrentReplies { get; set; } = 1;

    /// <summary>The reply queue: <c>reply-{client}-{instance}</c>, lower case.</summary>
    public string ReplyQueue => $"reply-{ClientName ?? System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "client"}-{InstanceName ?? Environment.MachineName}"
        .ToLowerInvariant();
}
