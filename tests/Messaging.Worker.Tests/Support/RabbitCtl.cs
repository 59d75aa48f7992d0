using System.Diagnostics;
using System.Globalization;

namespace Messaging.Worker.Tests.Support;

/// <summary><c>rabbitmqctl</c> against the test node (<c>infra/start-rabbitmq.sh</c>'s, named after its port).</summary>
internal static class RabbitCtl
{
    /// <summary>Runs <c>rabbitmqctl -q</c> with <paramref name="arguments"/> on the node behind <paramref name="broker"/>; returns what it printed.</summary>
    public static async Task<string> RunAsync(Uri broker, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(broker);
        var node = string.Create(CultureInfo.InvariantCulture, $"messaging-test-{broker.Port}@localhost");
        var info = new ProcessStartInfo("rabbitmqctl", ["-q", "-n", node, .. arguments])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/",
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("rabbitmqctl did not start");
        var errors = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}");
        return output;
    }
}
