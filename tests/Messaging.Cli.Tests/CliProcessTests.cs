using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Messaging.Cli.Tests;

/// <summary>
/// The CLI as users run it: a separate process, nothing else running, no broker and no key, so it
/// hosts the in-memory bus, the worker and the emulator itself.
/// </summary>
public class CliProcessTests
{
    private static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    private static async Task<(int ExitCode, string Output)> RunWithInputAsync(string? input, params string[] args)
    {
        var run = await RunSeparatelyAsync(input, args);
        return (run.ExitCode, run.Stdout + run.Stderr);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunSeparatelyAsync(string? input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "messaging.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("GEMINI_API_KEY");
        start.Environment.Remove("Bus__RabbitMqUrl");
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task The_first_command_of_the_readme_streams_an_answer_and_its_usage()
    {
        var (exit, output) = await RunAsync("ask", "Explain how AI works");

        Assert.True(exit == 0, output);
        Assert.Contains("Explain how AI works", output, StringComparison.Ordinal);
        Assert.Contains("total_tokens", output, StringComparison.Ordinal);
        Assert.Contains("--previous v1_", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_function_demo_answers_the_calls_itself_and_the_model_uses_the_results()
    {
        var (exit, output) = await RunAsync("ask", "--functions", "What is the temperature in London?");

        Assert.True(exit == 0, output);
        Assert.Contains("answered get_current_temperature", output, StringComparison.Ordinal);
        Assert.Contains("\"temperature\"", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("chat --no-store")]
    public async Task Chat_continues_one_conversation_through_the_saga_line_by_line(string command)
    {
        var (exit, output) = await RunWithInputAsync("I have 2 dogs in my house.\nHow many paws are in my house?\n/exit\n", command.Split(' '));

        Assert.True(exit == 0, output);
        Assert.Contains("2 turns", output, StringComparison.Ordinal);
        Assert.Contains("you have 2 dogs", output, StringComparison.Ordinal); // the second answer recalls the first turn
        Assert.Equal(2, output.Split("total_tokens").Length - 1);
    }

    [Fact]
    public async Task Chat_with_functions_runs_the_loop_in_every_turn()
    {
        var (exit, output) = await RunWithInputAsync("What is the temperature in London?\nAnd in Paris?\n", "chat", "--functions");

        Assert.True(exit == 0, output);
        Assert.Equal(2, output.Split("answered get_current_temperature").Length - 1);
        Assert.Contains("Paris", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stateless_conversation_continues_from_its_history_file()
    {
        var history = Path.Combine(Path.GetTempPath(), $"cli-history-{Guid.NewGuid():N}.json");
        try
        {
            var first = await RunAsync("ask", "--no-store", "--history", history, "I have 2 dogs in my house.");
            var second = await RunAsync("ask", "--no-store", "--history", history, "How many paws are in my house?");

            Assert.True(first.ExitCode == 0, first.Output);
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Contains("8 paws", second.Output, StringComparison.Ordinal);
            var steps = JsonNode.Parse(await File.ReadAllTextAsync(history, TestContext.Current.CancellationToken))!.AsArray();
            Assert.Equal(["user_input", "thought", "model_output", "user_input", "thought", "model_output"], steps.Select(s => s!["type"]!.GetValue<string>()));
        }
        finally
        {
            File.Delete(history);
        }
    }

    [Fact]
    public async Task A_bad_option_is_explained_and_fails()
    {
        var (exit, output) = await RunAsync("ask", "--file", "/does/not/exist.png", "What is this?");

        Assert.Equal(2, exit);
        Assert.Contains("Attachment not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_continued_over_several_hops_is_rendered_whole()
    {
        static string Answer(string output) => string.Join("\n", output.Split('\n').Where(l => l.Contains("Explain how AI works", StringComparison.Ordinal)));

        var single = await RunAsync("ask", "Explain how AI works");
        var hops = await RunAsync("ask", "--label", "emulator_continuation_hops=2", "Explain how AI works");

        Assert.True(hops.ExitCode == 0, hops.Output);
        Assert.NotEmpty(Answer(single.Output));
        Assert.Equal(Answer(single.Output), Answer(hops.Output));
    }

    [Fact]
    public async Task A_malformed_label_is_explained()
    {
        var (exit, output) = await RunAsync("ask", "--label", "no-equals-sign", "hi");

        Assert.Equal(2, exit);
        Assert.Contains("key=value", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_answer_alone_goes_to_stdout_and_a_resumed_stream_is_one_log_line_on_stderr()
    {
        var plain = await RunSeparatelyAsync(null, "ask", "Explain how AI works");
        var (exit, stdout, stderr) = await RunSeparatelyAsync(null, "ask", "--label", "emulator_fault=cut_stream", "Explain how AI works");

        Assert.True(exit == 0, stdout + stderr);
        var answer = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("“Explain how AI works”", answer, StringComparison.Ordinal);
        Assert.Equal(plain.Stdout, stdout); // the resumed stream's text, whole and once
        var warning = Assert.Single(stderr.Split('\n'), l => l.StartsWith("warn:", StringComparison.Ordinal));
        Assert.Contains("resuming", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // no stack trace
        Assert.Contains("total_tokens", stderr, StringComparison.Ordinal);
        Assert.Contains("--previous v1_", stderr, StringComparison.Ordinal);
    }
}
