using System.Diagnostics;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// One worker replica as its own process (the built <c>Messaging.Worker.dll</c>, as a deployment runs it), so a fault test
/// can kill it with SIGKILL: nothing of it runs on, no finally block, no goodbye to the broker.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    private WorkerProcess(Process process) => _process = process;

    /// <summary>Starts a replica with <paramref name="settings"/> (configuration keys, as environment variables) and waits until its bus runs.</summary>
    public static async Task<WorkerProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WorkerDll);
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__MassTransit"] = "Information";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information"; // "Now listening on: …"
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("the worker did not start");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(cancellationToken);
        if (await Task.WhenAny(worker._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken)) != worker._ready.Task)
        {
            worker.Kill(); // not left behind to consume the next test's requests
            throw new InvalidOperationException($"the worker process did not start:\n{string.Join('\n', worker.Lines.TakeLast(30))}");
        }
        return worker;
    }

    /// <summary>What the process wrote, both streams.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    /// <summary>The replica's HTTP address (health endpoints), once it listens.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>The process's resident memory now, in bytes (Linux: <c>VmRSS</c>); 0 once it has exited.</summary>
    public long ResidentBytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod: the replica drains and exits by itself.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to end; false when it still runs after <paramref name="patience"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The exit code, once it ended.</summary>
    public int ExitCode => _process.ExitCode;

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate) if (_lines.Count < 5000) _lines.Add(line);
        if (line.Contains("Bus started", StringComparison.Ordinal)) _ready.TrySetResult();
        const string listening = "Now listening on: ";
        if (line.IndexOf(listening, StringComparison.Ordinal) is var at and >= 0) BaseAddress = new Uri(line[(at + listening.Length)..].Trim());
    }

    /// <summary>The worker built with the solution (Release, as <c>infra/test.sh</c> builds it).</summary>
    private static string WorkerDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) dir = dir.Parent;
            var root = dir?.FullName ?? throw new InvalidOperationException("the repository root (Messaging.sln) was not found");
            var dll = Path.Combine(root, "src", "Messaging.Worker", "bin", "Release", "net10.0", "Messaging.Worker.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution in Release first");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
