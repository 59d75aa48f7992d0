using System.Diagnostics;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// A RabbitMQ node of a test's own (Debian's server through <c>infra/start-rabbitmq.sh</c>, on its own port), for tests that
/// stop, restart or reconfigure the broker: the other suites share one node and must not feel it.
/// </summary>
internal sealed class PrivateRabbitNode : IAsyncDisposable
{
    private PrivateRabbitNode(int port, Uri url)
    {
        Port = port;
        Url = url;
    }

    public int Port { get; }

    public Uri Url { get; }

    private string Node => $"messaging-test-{Port}@localhost";

    /// <param name="port">The AMQP port (the node's name follows it).</param>
    /// <param name="configFile">A <c>rabbitmq.conf</c> for the node (e.g. a lower <c>consumer_timeout</c>), or none.</param>
    public static async Task<PrivateRabbitNode> StartAsync(int port, string? configFile = null)
    {
        var url = (await StartScriptAsync(port, configFile)).Trim();
        return new PrivateRabbitNode(port, new Uri(url));
    }

    /// <summary>Stops the broker application (connections drop, the node stays up): <c>rabbitmqctl stop_app</c>.</summary>
    public Task StopAppAsync() => CtlAsync("stop_app");

    /// <summary>Starts it again and waits until it answers.</summary>
    public async Task StartAppAsync()
    {
        await CtlAsync("start_app");
        await CtlAsync("await_startup");
    }

    /// <summary>
    /// Sets one of the broker's settings at run time (<c>rabbitmqctl eval 'application:set_env(rabbit, Key, Value).'</c>);
    /// channels opened afterwards read it, e.g. <c>consumer_timeout</c> and <c>channel_tick_interval</c> (how often a
    /// channel checks it, 60 s by default).
    /// </summary>
    public Task SetAsync(string key, int value) =>
        RunAsync(new ProcessStartInfo("rabbitmqctl", ["-q", "-n", Node, "eval", $"application:set_env(rabbit, {key}, {value})."])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/",
        });

    /// <summary>The node's own log as far as it is written now, to read what comes after with <see cref="LogSince"/>.</summary>
    public long LogLength() => LogFiles().Sum(f => new FileInfo(f).Length);

    /// <summary>What the node logged after <paramref name="length"/> (its log outlives the node: earlier tests wrote there too).</summary>
    public string LogSince(long length)
    {
        var text = string.Concat(LogFiles().Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));
        return length < text.Length ? text[(int)length..] : "";
    }

    private string[] LogFiles()
    {
        var folder = Path.Combine(Environment.GetEnvironmentVariable("MESSAGING_TEST_SERVICES_DIR") ?? "/var/tmp/messaging-test-services", $"rabbitmq-{Port}", "log");
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*.log").Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>Stops the whole node (as a crash or a host restart would, but cleanly).</summary>
    public Task StopNodeAsync() => CtlAsync("stop");

    /// <summary>Starts the node again after <see cref="StopNodeAsync"/>.</summary>
    public Task StartNodeAsync(string? configFile = null) => StartScriptAsync(Port, configFile);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync("stop");
        }
        catch (InvalidOperationException)
        {
            // Stopped already.
        }
    }

    private static async Task<string> StartScriptAsync(int port, string? configFile)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(RepoRoot, "infra", "start-rabbitmq.sh")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/",
        };
        info.Environment["RABBITMQ_TEST_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (configFile is not null) info.Environment["RABBITMQ_TEST_CONFIG_FILE"] = configFile;
        return await RunAsync(info);
    }

    private Task<string> CtlAsync(string command) =>
        RunAsync(new ProcessStartInfo("rabbitmqctl", ["-q", "-n", Node, command]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" });

    private static async Task<string> RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {await errors}");
        return await output;
    }

    private static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) return dir.FullName;
            throw new InvalidOperationException("the repository root (Messaging.sln) was not found");
        }
    }
}
