using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Messaging.Emulator.Conversation;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Signatures;

namespace Messaging.Emulator.Model;

/// <summary>
/// Managed agents, scripted: research agents search and report; other agents write and run a
/// Python script in their sandbox (signed <c>code_execution_call</c>/<c>_result</c>) and report
/// its output. A request for Fibonacci numbers really computes them.
/// </summary>
internal sealed class AgentScript(StepSigner signer, GoogleSearchScript search)
{
    public (List<JsonObject> Steps, AnswerText Answer) Run(string agent, ConversationView conversation, string? environmentId, int minimumWords)
    {
        var task = conversation.LatestUserText;
        if (agent.Contains("research", StringComparison.OrdinalIgnoreCase))
        {
            var (steps, answer) = search.Search(task);
            var report = answer.Text + " " + ProseComposer.Answer(conversation, null, 0);
            return (steps, answer with { Text = ProseComposer.PadToWords(report, minimumWords, StableHash.Of(task)) });
        }

        var (code, output) = WriteScript(task);
        var callId = Ids.ToolCall("exec");
        var call = new JsonObject
        {
            ["type"] = ApiTypes.CodeExecutionCall,
            ["id"] = callId,
            ["arguments"] = new JsonObject { ["language"] = "python", ["code"] = code },
        };
        call["signature"] = signer.SignToolStep(call);
        var result = new JsonObject
        {
            ["type"] = ApiTypes.CodeExecutionResult,
            ["call_id"] = callId,
            ["result"] = output,
        };
        result["signature"] = signer.SignToolStep(result);

        var where = environmentId is null ? "in a sandbox" : $"in the remote environment {environmentId}";
        var text = $"I wrote a Python script for “{ProseComposer.Shorten(task)}” and ran it {where}. It printed:\n{output}\nThe task is done.";
        return ([call, result], AnswerText.Plain(ProseComposer.PadToWords(text, minimumWords, StableHash.Of(task))));
    }

    private static (string Code, string Output) WriteScript(string task)
    {
        if (task.Contains("fibonacci", StringComparison.OrdinalIgnoreCase))
        {
            var count = new WordSource(task).Numbers.FirstOrDefault(static n => n is >= 1 and <= 90);
            count = count == 0 ? 10 : count;
            var numbers = new List<long> { 0, 1 };
            while (numbers.Count < count)
            {
                numbers.Add(numbers[^1] + numbers[^2]);
            }

            var code = string.Create(CultureInfo.InvariantCulture, $"""
                numbers = [0, 1]
                while len(numbers) < {count}:
                    numbers.append(numbers[-1] + numbers[-2])
                numbers = numbers[:{count}]
                with open("fibonacci.txt", "w") as f:
                    f.write("\n".join(str(n) for n in numbers))
                with open("fibonacci.txt") as f:
                    print(f.read())
                """);
            return (code, string.Join('\n', numbers.Take((int)count)));
        }

        var summary = ProseComposer.Shorten(task, 120).Replace("\"", "'", StringComparison.Ordinal);
        var generic = new StringBuilder()
            .Append("task = \"").Append(summary).Append("\"\n")
            .Append("steps = [\"understand the task\", \"do the work\", \"check the result\"]\n")
            .Append("for number, step in enumerate(steps, 1):\n")
            .Append("    print(f\"{number}. {step}\")\n")
            .Append("print(\"done:\", task)\n")
            .ToString();
        return (generic, $"1. understand the task\n2. do the work\n3. check the result\ndone: {summary}");
    }
}
