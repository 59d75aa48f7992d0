using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Steps;
using Microsoft.Extensions.Logging;

namespace Messaging.Interactions.Streaming;

/// <summary>
/// One streaming create that survives the faults seen in practice: the server cutting streams (at
/// 600 s), stalls, and early closes are resumed with <c>GET …?stream=true&amp;last_event_id=…</c>;
/// when resuming fails or makes no progress, the interaction is polled with <c>GET</c> until it is
/// final and reported as an <see cref="InteractionSnapshotEvent"/>. A live completion without usage
/// is completed from a <c>GET</c>. Events are never yielded twice: a resume asks for those after the
/// last one yielded.
/// </summary>
/// <remarks>
/// Given <c>resumeId</c>, it does not create: it follows that stored interaction from after <c>resumeAfter</c>, as a
/// resume (so a refusal falls back to polling at once).
/// </remarks>
internal sealed class ResumableInteractionStream(
    InteractionsClient client, CreateInteractionRequest body, InteractionsClientOptions options, ILogger logger,
    string? resumeId = null, string? resumeAfter = null)
{
    private string? _interactionId = resumeId;
    private string? _lastEventId = resumeAfter;
    private bool _completed;

    public async IAsyncEnumerable<InteractionEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var resumes = _interactionId is null ? 0 : 1;
        var source = _interactionId is null
            ? client.CreateStreamRawAsync(body, cancellationToken)
            : client.GetStreamAsync(_interactionId, _lastEventId, cancellationToken: cancellationToken);
        while (true)
        {
            var progressed = false;
            Exception? failure = null;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var events = source.GetAsyncEnumerator(idle.Token);
                try
                {
                    while (true)
                    {
                        idle.CancelAfter(options.StreamIdleTimeout);
                        InteractionEvent evt;
                        try
                        {
                            if (!await events.MoveNextAsync().ConfigureAwait(false)) break;
                            evt = events.Current;
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            failure = new TimeoutException($"The stream sent nothing for {options.StreamIdleTimeout}.");
                            break;
                        }
                        catch (Exception ex) when (ex is HttpRequestException or IOException or InteractionStreamException)
                        {
                            failure = ex;
                            break;
                        }
                        catch (InteractionsApiException ex) when (resumes > 0)
                        {
                            // Resume refused (e.g. the event log expired): the plain GET still works.
                            failure = ex;
                            resumes = int.MaxValue;
                            break;
                        }

                        progressed = true;
                        Track(evt);
                        if (evt is InteractionCompletedEvent completed && completed.Interaction.Usage is null)
                            await AddUsageAsync(completed, cancellationToken).ConfigureAwait(false);
                        yield return evt;
                        if (_completed) yield break;
                    }
                }
                finally
                {
                    await events.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (_completed) yield break;
            failure ??= new InteractionStreamException("The stream ended before interaction.completed.");
            if (body.IsStateless || _interactionId is null)
                throw new InteractionStreamException(
                    body.IsStateless
                        ? "The stream broke and a store:false interaction cannot be resumed."
                        : "The stream broke before the interaction was created.", failure);

            if (!progressed && resumes > 0) resumes = int.MaxValue; // a resume that yields nothing will not get better
            if (resumes < options.MaxStreamResumes)
            {
                resumes++;
                logger.LogWarning(failure, "Stream of interaction {InteractionId} broke after event {EventId}; resuming (attempt {Attempt})",
                    _interactionId, _lastEventId, resumes);
                source = client.GetStreamAsync(_interactionId, _lastEventId, cancellationToken: cancellationToken);
                continue;
            }

            logger.LogWarning(failure, "Stream of interaction {InteractionId} could not be resumed; polling it instead", _interactionId);
            yield return await PollUntilFinalAsync(_interactionId, cancellationToken).ConfigureAwait(false);
            yield break;
        }
    }

    private void Track(InteractionEvent evt)
    {
        if (evt.EventId is { } id) _lastEventId = id;
        switch (evt)
        {
            case InteractionCreatedEvent created when created.Interaction.Id is { Length: > 0 } iid:
                _interactionId = iid;
                break;
            case InteractionStatusUpdateEvent update when update.InteractionId is { Length: > 0 } uid:
                _interactionId ??= uid;
                break;
            case InteractionCompletedEvent completed:
                if (completed.Interaction.Id is { Length: > 0 } cid) _interactionId ??= cid;
                _completed = true;
                break;
        }
    }

    private async Task AddUsageAsync(InteractionCompletedEvent completed, CancellationToken cancellationToken)
    {
        if (body.IsStateless || _interactionId is null) return;
        try
        {
            var full = await client.GetAsync(_interactionId, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (full.Json["usage"] is JsonObject usage && completed.Json["interaction"] is JsonObject target)
                target["usage"] = usage.DeepClone();
        }
        catch (InteractionsApiException ex)
        {
            logger.LogWarning(ex, "Usage of interaction {InteractionId} could not be read", _interactionId);
        }
    }

    private async Task<InteractionSnapshotEvent> PollUntilFinalAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var interaction = await client.GetAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (interaction.Status.IsFinal) return new InteractionSnapshotEvent(interaction.WithoutInputSteps());
            await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
