using System.Diagnostics;
using System.Globalization;

namespace Messaging.Benchmarks;

/// <summary>
/// CPU time used by this process, a worker process, the broker (beam.smp) and PostgreSQL over a span of wall time,
/// from /proc: where a phase's cores went, which is what holds a figure back on a 2-core machine.
/// </summary>
internal sealed class CpuMeter
{
    private readonly int[] _pids;
    private readonly string[] _names;
    private readonly double[] _start;
    private readonly long _wallStart = Stopwatch.GetTimestamp();
    private readonly double _ownPauseStart = GC.GetTotalPauseDuration().TotalMilliseconds;
    private readonly WorkerProcess? _worker;
    private readonly double _workerPauseStart;
    private readonly long _ownStallsStart = StallMeter.Stalls;
    private readonly long _workerStallsStart;
    private readonly Dictionary<int, double> _postgresStart = PostgresCpu();

    private CpuMeter(IEnumerable<(string Name, int Pid)> processes, WorkerProcess? worker)
    {
        _worker = worker;
        _workerPauseStart = worker?.GcPauseMilliseconds ?? 0;
        _workerStallsStart = worker?.Stalls ?? 0;
        var list = processes.ToList();
        _names = list.Select(p => p.Name).ToArray();
        _pids = list.Select(p => p.Pid).ToArray();
        _start = _pids.Select(CpuSeconds).ToArray();
    }

    public static CpuMeter Start(WorkerProcess? worker)
    {
        var processes = new List<(string, int)> { ("benchmark (emulator + downstream)", Environment.ProcessId) };
        if (worker is not null) processes.Add(("worker", worker.Id));
        foreach (var beam in Process.GetProcessesByName("beam.smp")) processes.Add(("RabbitMQ", beam.Id));
        return new CpuMeter(processes, worker);
    }

    /// <summary>e.g. "cores used: benchmark 0.62, worker 0.48, RabbitMQ 0.55 (of 2); GC pauses: benchmark 40 ms, worker 12 ms over 10.2 s".</summary>
    public string Report()
    {
        var wall = Stopwatch.GetElapsedTime(_wallStart).TotalSeconds;
        var parts = _pids.Select((pid, i) => string.Create(CultureInfo.InvariantCulture, $"{_names[i]} {(CpuSeconds(pid) - _start[i]) / wall:0.00}")).ToList();
        // PostgreSQL is a process per connection: those that came during the span count from zero (those that left, not at all).
        var postgres = PostgresCpu().Sum(p => p.Value - _postgresStart.GetValueOrDefault(p.Key));
        if (postgres > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {postgres / wall:0.00}"));
        // GC pauses stall a process whole: in the benchmark's own process they delay the downstream consumer's receipts.
        var pauses = string.Create(CultureInfo.InvariantCulture,
            $"GC pauses: benchmark {GC.GetTotalPauseDuration().TotalMilliseconds - _ownPauseStart:0} ms");
        if (_worker is not null) pauses += string.Create(CultureInfo.InvariantCulture, $", worker {_worker.GcPauseMilliseconds - _workerPauseStart:0} ms");
        pauses += string.Create(CultureInfo.InvariantCulture, $"; stalls ≥ 50 ms: benchmark {StallMeter.Stalls - _ownStallsStart}");
        if (_worker is not null) pauses += string.Create(CultureInfo.InvariantCulture, $", worker {_worker.Stalls - _workerStallsStart}");
        return $"cores used: {string.Join(", ", parts)} (of {Environment.ProcessorCount}); {pauses} over {wall:0.0} s";
    }

    private static Dictionary<int, double> PostgresCpu() =>
        Process.GetProcessesByName("postgres").ToDictionary(p => p.Id, p => CpuSeconds(p.Id));

    private static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of the file: 12 and 13 after the command name.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
