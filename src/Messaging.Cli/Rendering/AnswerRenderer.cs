using System.Text.Json;
using Messaging.Client;
using Messaging.Contracts;
using Spectre.Console;

namespace Messaging.Cli.Rendering;

/// <summary>
/// Shows a turn's events as they arrive: the answer text live (in sequence order), the other steps
/// as short notes, background progress, images saved to files, and the usage at the end. The text goes to
/// <paramref name="answer"/>, everything else to <paramref name="console"/>. Each request's events go through a
/// <see cref="RequestStreamAssembler"/> first: redelivered, replayed (a worker resuming another's stream) or reordered
/// events show once, in order, and a request that started over replaces what was shown of it.
/// </summary>
internal sealed class AnswerRenderer(IAnsiConsole console, TextWriter answer, DirectoryInfo outputDirectory)
{
    private readonly Dictionary<Guid, RequestStreamAssembler> _requests = []; // sequences count per request, across continuation hops
    private bool _midLine;

    public void Render(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (RequestIdOf(message) is not { } requestId)
        {
            Show(message);
            return;
        }
        if (!_requests.TryGetValue(requestId, out var request)) _requests[requestId] = request = new RequestStreamAssembler(requestId);
        foreach (var ready in request.Add(message)) Show(ready);
    }

    private static Guid? RequestIdOf(object message) => message switch
    {
        InteractionStarted m => m.RequestId,
        InteractionStatusChanged m => m.RequestId,
        StepStarted m => m.RequestId,
        StepDelta m => m.RequestId,
        StepCompleted m => m.RequestId,
        InteractionRequiresAction m => m.RequestId,
        FunctionCallRequested m => m.RequestId,
        InteractionCompleted m => m.RequestId,
        InteractionFailed m => m.RequestId,
        InteractionCancelled m => m.RequestId,
        InteractionRejected m => m.RequestId,
        _ => null,
    };

    private void Show(object message)
    {
        switch (message)
        {
            case InteractionStarted started:
                Note($"interaction {started.InteractionId} ({started.Model ?? started.Agent}, {started.Status})");
                break;
            case InteractionStatusChanged changed:
                Aside($"status: {changed.Status}");
                break;
            case AttemptSuperseded superseded:
                Note($"the worker had to start this request over (attempt {superseded.Attempt}, store: false); the answer follows again");
                break;
            case StepDelta { Text: { } text }:
                // Raw text: a Spectre Text would wrap each piece on its own, so line breaks would depend on how deltas were coalesced.
                answer.Write(text);
                answer.Flush();
                _midLine = !text.EndsWith('\n');
                break;
            case StepCompleted completed:
                RenderStep(completed);
                break;
            case InteractionRequiresAction action:
                foreach (var call in action.Calls) Note($"model calls {call.Name}({call.Arguments.GetRawText()})");
                break;
            case InteractionCompleted done:
                EndLine();
                if (done.Status != "completed") Note($"status: {done.Status}");
                RenderUsage(done.Usage);
                break;
            case InteractionFailed failed:
                EndLine();
                console.MarkupLineInterpolated($"[red]failed ({failed.Reason}): {failed.Message ?? failed.Error.ToString()}[/]");
                break;
            case InteractionRejected rejected:
                EndLine();
                console.MarkupLine("[red]rejected:[/]");
                foreach (var problem in rejected.Errors) console.MarkupLineInterpolated($"[red]  {problem.Field}: {problem.Message}[/]");
                break;
            case InteractionCancelled:
                EndLine();
                console.MarkupLine("[yellow]cancelled[/]");
                break;
        }
    }

    public void FunctionAnswered(string name, string result) => Note($"answered {name} → {result}");

    private void RenderStep(StepCompleted completed)
    {
        var step = completed.Step;
        var type = step.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "thought":
                Aside("(thought)");
                break;
            case "google_search_call":
                Note($"searched: {Arguments(step)}");
                break;
            case "model_output":
                if (!step.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array) break;
                foreach (var block in content.EnumerateArray())
                {
                    if (block.TryGetProperty("type", out var bt) && bt.GetString() is "image" or "audio" or "video" && block.TryGetProperty("data", out var data))
                        SaveMedia(completed.InteractionId, completed.Index, block, data.GetString()!);
                    if (block.TryGetProperty("annotations", out var annotations))
                        foreach (var a in annotations.EnumerateArray())
                            if (a.TryGetProperty("url", out var url)) Note($"source: {url.GetString()}");
                }
                break;
            case null or "function_call" or "user_input":
                break;
            default:
                Note($"({type})");
                break;
        }
    }

    private static string Arguments(JsonElement step) => step.TryGetProperty("arguments", out var a) ? a.GetRawText() : "";

    private void SaveMedia(string interactionId, int index, JsonElement block, string base64)
    {
        var mime = block.TryGetProperty("mime_type", out var m) ? m.GetString() ?? "" : "";
        var extension = mime.Split('/') is [_, var sub] ? sub : "bin";
        outputDirectory.Create();
        var path = Path.Combine(outputDirectory.FullName, $"{interactionId}-{index}.{extension}");
        File.WriteAllBytes(path, Convert.FromBase64String(base64));
        Note($"saved {mime} ({new FileInfo(path).Length} bytes) to {path}");
    }

    private void RenderUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("usage").AddColumn(new TableColumn("tokens").RightAligned());
        foreach (var p in usage.EnumerateObject())
            if (p.Value.ValueKind == JsonValueKind.Number) table.AddRow(p.Name, p.Value.GetRawText());
        console.Write(table);
    }

    private void Note(string text)
    {
        EndLine();
        console.MarkupLineInterpolated($"[grey]{text}[/]");
    }

    /// <summary>A note that must not cut the answer in two (a continuation hop's status, its thought): dropped while text is flowing.</summary>
    private void Aside(string text)
    {
        if (!_midLine) Note(text);
    }

    private void EndLine()
    {
        if (!_midLine) return;
        answer.WriteLine();
        answer.Flush();
        _midLine = false;
    }
}
