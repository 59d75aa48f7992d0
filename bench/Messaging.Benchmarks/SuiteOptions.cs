namespace Messaging.Benchmarks;

/// <summary>The suite's sizes: the full run (a few minutes) or <c>--quick</c> (a CI smoke test, well under two minutes).</summary>
internal sealed record SuiteOptions
{
    public bool Quick { get; init; }

    /// <summary>The arguments as given, for the results file.</summary>
    public string Arguments { get; init; } = "";

    /// <summary>Phases to run (all when empty): throughput, latency, ttfd, footprint, replicas, checkpoints, takeover, memory.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    /// <summary>Where the results markdown goes; default <c>bench/results/&lt;date&gt;.md</c> (quick runs: none unless given).</summary>
    public string? Output { get; init; }

    /// <summary>Extra worker settings for every worker process (e.g. <c>Worker:DeltaCoalescingWindow=0</c>), as <c>key=value</c>.</summary>
    public IReadOnlyDictionary<string, string> WorkerSettings { get; init; } = new Dictionary<string, string>();

    public int RawMessages => Quick ? 8_000 : 60_000;
    public int ThroughputStreams => Quick ? 40 : 200;
    public int ThroughputChunks => Quick ? 40 : 150;
    /// <summary>Streams run through a fresh worker before a throughput run is measured.</summary>
    public int ThroughputWarmUpStreams => ThroughputStreams / 5;
    public int LatencyStreams { get; init; } = 100;
    public int LatencyChunkDelayMs { get; init; } = 50;
    /// <summary>The latency run's downstream consumer: 1 = ordered delivery (the default), more = concurrent.</summary>
    public int LatencyConsumerConcurrency { get; init; } = 1;
    public int LatencyChunks => Quick ? 40 : 200;
    public int TtfdSamples => Quick ? 15 : 100;
    public int[] FootprintStreams => FootprintOnly is { } n ? [n] : Quick ? [200] : [2_000, 5_000];

    /// <summary>One footprint run of this many streams, and no mixed phase (<c>--footprint N</c>, for investigations).</summary>
    public int? FootprintOnly { get; init; }
    /// <summary>How long a footprint or mixed run may take before it counts as broken.</summary>
    public TimeSpan FootprintPatience => TimeSpan.FromMinutes(Quick ? 2 : 4);
    /// <summary>The mixed phase: slow small streams and 15 MB requests published together.</summary>
    public int MixedSmallStreams => Quick ? 200 : 2_000;
    public int MixedLargeRequests => Quick ? 2 : 10;
    public int FootprintChunks => Quick ? 3 : 8;
    public int FootprintChunkDelayMs => Quick ? 1_000 : 3_000;
    public int[] Replicas => Quick ? [1, 2] : [1, 2, 3];
    public int ReplicaStreams => Quick ? 40 : 240;
    public int ReplicaChunks => Quick ? 20 : 100;
    /// <summary>The takeover phase: slow streams (40 chunks, one per 100 ms) on two replicas, one killed mid-stream.</summary>
    public int TakeoverStreams => Quick ? 20 : 120;

    /// <summary>The memory phase: 5 MB requests published at once, and how long the worker rests after them before its RSS is read.</summary>
    public int LargeRequests => Quick ? 3 : 10;
    public TimeSpan AfterLargeRequests => TimeSpan.FromSeconds(Quick ? 5 : 60);

    /// <summary>The quota phase: requests published at once, and the replica counts that admit them together (a 3-replica baseline follows).</summary>
    public int QuotaRequests => Quick ? 60 : 200;
    public int[] QuotaReplicas => Quick ? [3] : [1, 3, 6];

    public bool Runs(string phase) => Only.Count == 0 || Only.Contains(phase);

    public static SuiteOptions Parse(string[] args)
    {
        var quick = false;
        var latencyConsumers = 1;
        string? output = null;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var settings = new Dictionary<string, string>();
        int? footprint = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--latency-consumers": latencyConsumers = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                case "--footprint": footprint = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--only": foreach (var p in args[++i].Split(',')) only.Add(p.Trim()); break;
                case "--worker-setting":
                    var kv = args[++i].Split('=', 2);
                    settings[kv[0]] = kv.Length > 1 ? kv[1] : "";
                    break;
                default: throw new ArgumentException($"unknown argument {args[i]}; use --quick, --micro, --only a,b, --out file, --worker-setting key=value, --footprint N");
            }
        }
        return new SuiteOptions { Arguments = string.Join(' ', args), Quick = quick, LatencyConsumerConcurrency = latencyConsumers, Output = output, Only = only, WorkerSettings = settings, FootprintOnly = footprint };
    }
}
