using System.CommandLine;
using MassTransit;
using Messaging.Cli.Bus;
using Messaging.Cli.Rendering;
using Messaging.Cli.Requests;
using Spectre.Console;

namespace Messaging.Cli.Commands;

/// <summary>
/// <c>chat</c>: a multi-turn conversation in the terminal, one line per turn. The first line starts the conversation
/// with <c>InteractionRequested</c>; every later line is a <c>ConversationTurnRequested</c>, which the conversation saga
/// chains (stateful: from the last interaction; <c>--no-store</c>: by resending the history it keeps). The CLI keeps no
/// conversation state of its own.
/// </summary>
internal static class ChatCommand
{
    public static Command Create(Option<string?> broker)
    {
        var model = new Option<string>("--model", "-m") { Description = "Model name.", DefaultValueFactory = _ => "gemini-3.5-flash" };
        var noStore = new Option<bool>("--no-store") { Description = "Stateless: store:false; the saga keeps the history and resends it every turn." };
        var functions = new Option<bool>("--functions") { Description = "Declare get_current_temperature and get_local_time; the CLI answers the calls and the saga runs the loop." };
        var system = new Option<string?>("--system") { Description = "System instruction." };
        var command = new Command("chat", "Talk in turns: each line you type is one turn of the same conversation (end with an empty line, /exit or Ctrl-D).")
        {
            model, noStore, functions, system,
        };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(parse.GetValue(model)!, parse.GetValue(noStore), parse.GetValue(functions),
            parse.GetValue(system), parse.GetValue(broker), Console.In, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string model, bool noStore, bool functions, string? system, string? broker, TextReader input,
        CancellationToken cancellationToken)
    {
        var console = CliConsole.Notes;
        await using var stack = await BusStack.StartAsync(broker, console, cancellationToken);
        var session = stack.CreateSession(new AnswerRenderer(console, CliConsole.Answer, new DirectoryInfo(".")));
        var localFunctions = functions ? LocalFunctions.Demo : null;
        var conversationId = NewId.NextGuid();
        var turns = 0;
        var failures = 0;
        console.MarkupLineInterpolated($"[grey]conversation {conversationId} ({(noStore ? "stateless" : "stored")}); an empty line or /exit ends it[/]");

        while (!cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.Markup("[bold]you>[/] ");
            var line = await input.ReadLineAsync(cancellationToken);
            if (line is null || string.IsNullOrWhiteSpace(line) || line.Trim() == "/exit") break;

            TurnOutcome outcome;
            if (turns == 0)
            {
                var request = AskRequestBuilder.Build(new AskOptions { Prompt = line, Model = model, NoStore = noStore, SystemInstruction = system },
                    noStore ? [] : null);
                if (functions)
                    foreach (var tool in LocalFunctions.Demo.Declarations()) request.AddTool((System.Text.Json.Nodes.JsonObject)tool!);
                outcome = await session.AskAsync(request, conversationId, localFunctions, cancellationToken);
            }
            else
            {
                outcome = await session.ContinueAsync(conversationId, line, localFunctions, cancellationToken);
            }
            turns++;
            if (!outcome.Succeeded) failures++;
        }
        console.MarkupLineInterpolated($"[grey]{turns} turns[/]");
        return failures == 0 ? 0 : 1;
    }
}
