using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Messaging.Benchmarks;

/// <summary>One worker replica as a child process (see <see cref="WorkerMode"/>): its RSS and threads are read from /proc, the rest from its stats line.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<string> _errors = [];
    private bool _disposed;

    private WorkerProcess(Process process) => _process = process;

    public long GcHeapBytes { get; private set; }
    public long Handled { get; private set; }
    public long InFlight { get; private set; }
    public long DeltasPublished { get; private set; }

    /// <summary>Bytes the worker's managed objects take now, collectable ones included (as of its last stats line).</summary>
    public long ManagedBytes { get; private set; }

    /// <summary>Time the worker's GC has paused it since it started (as of its last stats line, every 250 ms).</summary>
    public double GcPauseMilliseconds { get; private set; }

    /// <summary>The worker's stalls of 50 ms or more since it started (<see cref="StallMeter"/>).</summary>
    public long Stalls { get; private set; }

    /// <summary>Bytes the worker has allocated since it started (as of its last stats line).</summary>
    public long AllocatedBytes { get; private set; }
    public int Id => _process.Id;

    /// <summary>Whether the process has ended (an out-of-memory crash, say).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Milliseconds from a request's publish to each stage of its start in the worker (<c>messaging.worker.request_stage</c>), by stage.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<double>> Stages { get; } = new();

    /// <summary>How long requests waited for another replica's lease (ms), one per wait.</summary>
    public ConcurrentQueue<double> LeaseWaits { get; } = new();

    /// <summary>How long after the API named an interaction its id was recorded (ms), one per interaction.</summary>
    public ConcurrentQueue<double> CreateWindows { get; } = new();

    public static async Task<WorkerProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        info.ArgumentList.Add("worker");
        // As the worker's own runtimeconfig: workstation GC (this process runs the benchmark's runtimeconfig).
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_gcConcurrent"] = "1";
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning";
        info.Environment["GEMINI_API_KEY"] = "benchmark";
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException("the worker did not start");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnError(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(worker._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != worker._ready.Task)
        {
            // Not left behind: a worker that never got ready may still consume later and take another run's requests.
            worker.Kill();
            throw new InvalidOperationException($"the worker process did not start: {string.Join('\n', worker.Errors)}");
        }
        return worker;
    }

    public IReadOnlyList<string> Errors
    {
        get { lock (_gate) return _errors.ToList(); }
    }

    private void OnError(string? line)
    {
        if (line is null) return;
        lock (_gate) if (_errors.Count < 50) _errors.Add(line);
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        if (line == "READY")
        {
            _ready.TrySetResult();
            return;
        }
        if (line.StartsWith("STAGE ", StringComparison.Ordinal))
        {
            var stage = line.Split(' ');
            Stages.GetOrAdd(stage[1], static _ => new ConcurrentQueue<double>()).Enqueue(double.Parse(stage[2], CultureInfo.InvariantCulture));
            return;
        }
        if (line.StartsWith("LEASEWAIT ", StringComparison.Ordinal) || line.StartsWith("CREATEWINDOW ", StringComparison.Ordinal))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var value = double.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
            (line[0] == 'L' ? LeaseWaits : CreateWindows).Enqueue(value);
            return;
        }
        if (!line.StartsWith("STATS ", StringComparison.Ordinal))
        {
            OnError(line);
            return;
        }
        var parts = line.Split(' ');
        GcHeapBytes = long.Parse(parts[1], CultureInfo.InvariantCulture);
        Handled = long.Parse(parts[2], CultureInfo.InvariantCulture);
        InFlight = long.Parse(parts[3], CultureInfo.InvariantCulture);
        DeltasPublished = long.Parse(parts[4], CultureInfo.InvariantCulture);
        ManagedBytes = long.Parse(parts[5], CultureInfo.InvariantCulture);
        GcPauseMilliseconds = double.Parse(parts[6], CultureInfo.InvariantCulture);
        Stalls = long.Parse(parts[7], CultureInfo.InvariantCulture);
        AllocatedBytes = long.Parse(parts[8], CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL: the replica dies mid-work, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Resident set size and thread count of the process, from /proc.</summary>
    public (long RssBytes, int Threads) Sample()
    {
        long rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                threads = int.Parse(line[8..].Trim(), CultureInfo.InvariantCulture);
        }
        return (rss, threads);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
