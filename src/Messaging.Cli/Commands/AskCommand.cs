using System.CommandLine;
using Messaging.Cli.Bus;
using Messaging.Cli.Rendering;
using Messaging.Cli.Requests;
using Spectre.Console;

namespace Messaging.Cli.Commands;

/// <summary><c>ask</c>: one prompt, the answer streamed live; every API feature of the seed guide has an option.</summary>
internal static class AskCommand
{
    public static Command Create(Option<string?> broker)
    {
        var prompt = new Argument<string>("prompt") { Description = "What to ask." };
        var model = new Option<string>("--model", "-m") { Description = "Model name.", DefaultValueFactory = _ => "gemini-3.5-flash" };
        var agent = new Option<string?>("--agent") { Description = "Run a managed agent instead of a model (e.g. antigravity-preview-05-2026)." };
        var environment = new Option<string?>("--environment") { Description = "Agent environment: \"remote\" or an environment id." };
        var previous = new Option<string?>("--previous") { Description = "Chain to an earlier interaction id (stateful conversation)." };
        var noStore = new Option<bool>("--no-store") { Description = "Stateless: store:false, the history is sent with the request." };
        var history = new Option<FileInfo?>("--history") { Description = "With --no-store: a JSON file with the conversation's steps so far; the new steps are appended to it." };
        var files = new Option<FileInfo[]>("--file", "-f") { Description = "Attach a local image, audio, video or document (repeat the option for several)." };
        var schema = new Option<FileInfo?>("--schema") { Description = "Ask for JSON output matching this JSON Schema file." };
        var tools = new Option<string[]>("--tool") { Description = "Built-in tool to enable: google_search, code_execution, url_context, google_maps (repeatable)." };
        var background = new Option<bool>("--background") { Description = "Run in the background; progress is shown while it runs." };
        var functions = new Option<bool>("--functions") { Description = "Function-calling demo: declares get_current_temperature and get_local_time and answers them from the CLI." };
        var system = new Option<string?>("--system") { Description = "System instruction." };
        var labels = new Option<string[]>("--label") { Description = "A label key=value on the request (repeatable); the emulator takes its controls from labels, e.g. emulator_chunk_delay_ms=50." };
        var output = new Option<DirectoryInfo>("--output") { Description = "Where generated images/audio are saved.", DefaultValueFactory = _ => new DirectoryInfo(".") };

        var command = new Command("ask", "Publish an InteractionRequested and render the streamed answer.")
        {
            prompt, model, agent, environment, previous, noStore, history, files, schema, tools, background, functions, system, labels, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Dictionary<string, string> parsedLabels;
            try
            {
                parsedLabels = ParseLabels(parse.GetValue(labels) ?? []);
            }
            catch (ArgumentException ex)
            {
                CliConsole.Notes.MarkupLineInterpolated($"[red]{ex.Message}[/]");
                return 2;
            }
            var options = new AskOptions
            {
                Prompt = parse.GetValue(prompt)!,
                Model = parse.GetValue(model)!,
                Agent = parse.GetValue(agent),
                Environment = parse.GetValue(environment),
                Previous = parse.GetValue(previous),
                NoStore = parse.GetValue(noStore),
                Attachments = parse.GetValue(files) ?? [],
                Schema = parse.GetValue(schema),
                Tools = parse.GetValue(tools) ?? [],
                Background = parse.GetValue(background),
                SystemInstruction = parse.GetValue(system),
                Labels = parsedLabels,
            };
            return await AskRunner.RunAsync(options, parse.GetValue(history), parse.GetValue(functions), parse.GetValue(output)!,
                parse.GetValue(broker), cancellationToken);
        });
        return command;
    }

    private static Dictionary<string, string> ParseLabels(string[] pairs)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0) throw new ArgumentException($"--label wants key=value, got '{pair}'.");
            labels[pair[..at]] = pair[(at + 1)..];
        }
        return labels;
    }
}
