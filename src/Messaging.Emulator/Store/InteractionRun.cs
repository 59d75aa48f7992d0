using System.Text.Json.Nodes;
using Messaging.Emulator.Control;
using Messaging.Emulator.Model;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Streaming;

namespace Messaging.Emulator.Store;

/// <summary>
/// One interaction being produced. The planned steps are paced out as SSE events into the
/// <see cref="Events"/> log by a producer task that waits with timers only (no thread is held),
/// independently of any connection: a client that drops a stream can resume it, and background
/// runs go on alone. Streams, GET and unary responses all read from the same run.
/// </summary>
internal sealed class InteractionRun
{
    private readonly Lock gate = new();
    private readonly List<JsonObject> finishedSteps = [];
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private CancellationTokenSource? cancellation;
    private string status = InteractionStatuses.InProgress;
    private DateTimeOffset updated;
    private bool finished;
    private bool cancelRequested;
    private JsonObject? finalUsage;

    public InteractionRun(
        string id,
        CreateRequest request,
        IReadOnlyList<JsonObject> history,
        TurnPlan plan,
        EmulatorControls controls,
        string? environmentId,
        TimeProvider clock,
        ILogger logger)
    {
        Id = id;
        Request = request;
        History = history;
        Plan = plan;
        Controls = controls;
        EnvironmentId = environmentId;
        this.clock = clock;
        this.logger = logger;
        Created = clock.GetUtcNow();
        updated = Created;
    }

    public string Id { get; }

    public CreateRequest Request { get; }

    /// <summary>The chained conversation before this interaction.</summary>
    public IReadOnlyList<JsonObject> History { get; }

    public TurnPlan Plan { get; }

    public EmulatorControls Controls { get; }

    public string? EnvironmentId { get; }

    public DateTimeOffset Created { get; }

    public EventLog Events { get; } = new();

    public Task Completion => completion.Task;

    public bool IsFinished
    {
        get
        {
            lock (gate)
            {
                return finished;
            }
        }
    }

    public void Start(CancellationToken stopping)
    {
        cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _ = ProduceAsync(cancellation.Token);
    }

    public RunSnapshot Snapshot()
    {
        lock (gate)
        {
            return new RunSnapshot(
                status,
                finishedSteps.ToArray(),
                updated,
                finished,
                finalUsage,
                status == InteractionStatuses.RequiresContinuation ? Plan.ContinuationToken : null,
                status == InteractionStatuses.Failed ? Plan.Error : null);
        }
    }

    /// <summary>The conversation a later turn chains onto: history, this input, and the steps produced.</summary>
    public IReadOnlyList<JsonObject> ConversationAfter()
    {
        var snapshot = Snapshot();
        var conversation = new List<JsonObject>(History.Count + Request.InputSteps.Count + snapshot.Steps.Count);
        conversation.AddRange(History);
        conversation.AddRange(Request.InputSteps);
        conversation.AddRange(snapshot.Steps);
        return conversation;
    }

    /// <summary>Cancels a running interaction; false when it had already finished.</summary>
    public async Task<bool> CancelAsync()
    {
        lock (gate)
        {
            if (finished)
            {
                return false;
            }

            cancelRequested = true;
        }

        try
        {
            await cancellation!.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The run finished between the check and the cancel; it ends as cancelled all the same.
        }

        await Completion;
        return true;
    }

    private async Task ProduceAsync(CancellationToken cancellationToken)
    {
        using var encoder = new EventEncoder();
        var sequence = 0;
        try
        {
            Events.Append(encoder.Interaction("interaction.created", ++sequence, w => InteractionRenderer.WritePartial(w, this, Snapshot(), includeUsage: false)));
            Events.Append(encoder.StatusUpdate(++sequence, Id, InteractionStatuses.InProgress));

            var wait = Request.Background ? Controls.BackgroundMs : Controls.FirstTokenMs;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), clock, cancellationToken);
            }

            var firstDelta = true;
            for (var index = 0; index < Plan.Steps.Count; index++)
            {
                var step = Plan.Steps[index];
                var script = StepStreamer.Script(step, Controls.Chunks);
                Events.Append(encoder.StepStart(++sequence, index, script.Start));
                foreach (var delta in script.Deltas)
                {
                    if (!firstDelta && Controls.ChunkDelayMs > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Controls.ChunkDelayMs), clock, cancellationToken);
                    }

                    firstDelta = false;
                    Events.Append(delta.Text is { } text
                        ? encoder.TextDelta(++sequence, index, text)
                        : encoder.Delta(++sequence, index, delta.Delta!));
                }

                Events.Append(encoder.StepStop(++sequence, index));
                lock (gate)
                {
                    finishedSteps.Add(step);
                    updated = clock.GetUtcNow();
                }
            }

            if (Plan.Error is { } error)
            {
                Events.Append(encoder.Error(++sequence, error.Code, error.Message));
            }

            Finish(cancelled: false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(cancelled: true);
        }
#pragma warning disable CA1031 // A producer failure must still end the run, or readers would wait forever.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            logger.LogError(failure, "Interaction {InteractionId} failed while producing events", Id);
            Finish(cancelled: true);
        }

        var final = Snapshot();
        Events.Append(encoder.Interaction("interaction.completed", ++sequence, w =>
            InteractionRenderer.WritePartial(w, this, final, includeUsage: Controls.Fault != FaultKind.OmitUsage)));
        Events.Complete();
        cancellation?.Dispose();
        completion.TrySetResult();
    }

    private void Finish(bool cancelled)
    {
        lock (gate)
        {
            status = cancelled || cancelRequested ? InteractionStatuses.Cancelled : Plan.Status;
            var output = TokenCounter.Output(finishedSteps);
            finalUsage = TokenCounter.Usage(Plan.InputTokens, output, TokenCounter.Thought(Plan.InputTokens, output));
            updated = clock.GetUtcNow();
            finished = true;
        }
    }
}
