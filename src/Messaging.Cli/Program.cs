using System.CommandLine;
using Messaging.Cli.Commands;

var broker = new Option<string?>("--broker")
{
    Description = "RabbitMQ URL (default: Bus__RabbitMqUrl; none = everything in this process, with the emulator when GEMINI_API_KEY is unset).",
    Recursive = true,
};
var root = new RootCommand("Messaging: the Gemini Interactions API over a message bus.") { broker };
root.Subcommands.Add(AskCommand.Create(broker));
root.Subcommands.Add(ChatCommand.Create(broker));
return await root.Parse(args).InvokeAsync();
