using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;

namespace Messaging.Interactions;

/// <summary>
/// The Interactions REST API: create (unary and streaming), get (unary and streaming with resume),
/// cancel and delete. Failed calls throw <see cref="InteractionsApiException"/> after the configured
/// retries (429, 5xx, 408 and transport faults only).
/// </summary>
public interface IInteractionsClient
{
    /// <summary><c>POST /interactions</c>, unary. The body must not ask for a stream.</summary>
    Task<Interaction> CreateAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /interactions</c> with <c>stream: true</c>: the interaction's events as they arrive.
    /// A stream that breaks (cut, stalled, closed early) is resumed with <c>last_event_id</c>; when
    /// resuming fails it falls back to polling <c>GET</c> and ends with an <see cref="InteractionSnapshotEvent"/>.
    /// A live <c>interaction.completed</c> without usage gets the usage from a <c>GET</c>.
    /// </summary>
    IAsyncEnumerable<InteractionEvent> CreateStreamAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /interactions/{id}</c>.</summary>
    Task<Interaction> GetAsync(string id, bool includeInput = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /interactions/{id}?stream=true</c>: the events after <paramref name="lastEventId"/> (all
    /// of them without it), then live events while the interaction runs. No automatic resume.
    /// </summary>
    IAsyncEnumerable<InteractionEvent> GetStreamAsync(string id, string? lastEventId = null, bool includeInput = false,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Follows a stored interaction that someone else started streaming (e.g. a replica that died): the events after
    /// <paramref name="lastEventId"/> (all of them without it), with the tolerance of <see cref="CreateStreamAsync"/>:
    /// resumed again when it breaks, and read whole with polling <c>GET</c>s (one <see cref="InteractionSnapshotEvent"/>)
    /// when resuming is refused or makes no progress.
    /// </summary>
    IAsyncEnumerable<InteractionEvent> ResumeStreamAsync(string id, string? lastEventId, CancellationToken cancellationToken = default);

    /// <summary><c>POST /interactions/{id}/cancel</c> (running background interactions only).</summary>
    Task<Interaction> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /interactions/{id}</c>.</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken = default);
}
