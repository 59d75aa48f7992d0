using System.Diagnostics;
using Messaging.Emulator;
using Messaging.Testing;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Cli.Tests;

/// <summary>
/// With a broker, the CLI only publishes and listens: a worker elsewhere (here a host in the test
/// process, on the real RabbitMQ) does the work.
/// </summary>
[Trait("Needs", "RabbitMQ")]
public class CliOverRabbitMqTests
{
    [Fact]
    public async Task With_a_broker_the_cli_is_answered_by_a_worker_elsewhere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestService.RabbitMqAsync();
        await using var emulator = await EmulatorServer.StartAsync(cancellationToken: ct);
        var prefix = $"cli-{Guid.NewGuid():N}"[..16] + "-";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:RabbitMqUrl"] = broker.Url.ToString(),
            ["Bus:NamePrefix"] = prefix,
            ["Interactions:BaseUrl"] = emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = "test-key",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddMessagingWorker(builder.Configuration);
        using var worker = builder.Build();
        await worker.StartAsync(ct);
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "messaging.dll"), "ask", "--broker", broker.Url.ToString(), "Explain how AI works" })
                start.ArgumentList.Add(a);
            start.Environment["Bus__NamePrefix"] = prefix;
            start.Environment["COLUMNS"] = "200";
            start.Environment.Remove("GEMINI_API_KEY");
            using var cli = Process.Start(start)!;
            var output = await cli.StandardOutput.ReadToEndAsync(ct) + await cli.StandardError.ReadToEndAsync(ct);
            await cli.WaitForExitAsync(ct);

            Assert.True(cli.ExitCode == 0, output);
            Assert.DoesNotContain("in this process", output, StringComparison.Ordinal);
            Assert.Contains("total_tokens", output, StringComparison.Ordinal);
            Assert.Contains(emulator.Requests, r => r.Method == "POST" && r.Body.Contains("Explain how AI works", StringComparison.Ordinal));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }
}
