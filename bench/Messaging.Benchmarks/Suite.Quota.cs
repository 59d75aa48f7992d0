using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Contracts;

namespace Messaging.Benchmarks;

/// <summary>
/// The quota phase: a burst of requests against a key the emulator allows <see cref="QuotaPerWindow"/> creates per
/// <see cref="QuotaWindowSeconds"/> s, through 1, 3 and 6 worker processes that admit creates together (the limit
/// configured, counted in PostgreSQL, cooldowns shared); then 3 processes that share nothing and know no limit, as a
/// gateway that counts per process would. Goodput is the creates the emulator admitted per full window, against the
/// quota; 429s are what it refused.
/// </summary>
internal sealed partial class Suite
{
    private const int QuotaPerWindow = 20;
    private const int QuotaWindowSeconds = 5;

    private async Task QuotaAsync()
    {
        var runs = _options.QuotaReplicas.Select(r => (Replicas: r, Shared: true)).Append((Replicas: 3, Shared: false)).ToList();
        foreach (var (replicas, shared) in runs)
        {
            var label = shared ? $"{replicas} replica(s), admitted together" : $"{replicas} replicas, nothing shared (baseline)";
            Phase($"quota: {_options.QuotaRequests} requests at once, {QuotaPerWindow} creates allowed per {QuotaWindowSeconds} s window; {label}");
            var (completed, failed, goodput, refused, windows) = await QuotaRunAsync(replicas, shared);
            var refusedShare = (double)refused / _options.QuotaRequests;
            _rows.Add(new Row($"Quota: {label}",
                string.Create(Inv, $"{goodput:0.0} creates per full window ({goodput / QuotaPerWindow:P0} of the quota), {completed} completed, {failed} failed, {refused} 429s ({refusedShare:P1}) over {windows} windows"),
                shared ? "the baseline row below" : "—",
                string.Create(Inv, $"{goodput / QuotaPerWindow:P0} of quota, {refusedShare:P1} 429s"),
                shared ? "≥ 95 % of the quota, 0 failed, 429s ≤ 1 %" : "(report)",
                shared ? goodput >= 0.95 * QuotaPerWindow && failed == 0 && refusedShare <= 0.01 : null));
        }
    }

    private async Task<(int Completed, int Failed, double Goodput, int Refused, int Windows)> QuotaRunAsync(int replicas, bool shared)
    {
        var key = $"bench-quota-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string>(WorkerSettings(maxStreams: null))
        {
            ["Interactions:ApiKey"] = key,
            ["Quota:MaxWait"] = "00:10:00",
        };
        foreach (var (k, v) in _database!.WorkerSettings()) settings[k] = v;
        if (shared)
        {
            settings["Quota:Limits:0:Model"] = "*";
            settings["Quota:Limits:0:RequestsPerWindow"] = QuotaPerWindow.ToString(Inv);
            settings["Quota:Limits:0:WindowSeconds"] = QuotaWindowSeconds.ToString(Inv);
        }
        else
        {
            settings["Quota:ShareCooldowns"] = "false";
        }

        var workers = new List<WorkerProcess>();
        try
        {
            for (var i = 0; i < replicas; i++) workers.Add(await WorkerProcess.StartAsync(settings));
            await using var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch);
            var request = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["model"] = "gemini-3.5-flash",
                ["input"] = "Explain how AI works",
                ["labels"] = new Dictionary<string, string>
                {
                    ["emulator_chunks"] = "3",
                    ["emulator_quota_requests"] = QuotaPerWindow.ToString(Inv),
                    ["emulator_quota_window_s"] = QuotaWindowSeconds.ToString(Inv),
                },
            });
            var ids = Enumerable.Range(0, _options.QuotaRequests).Select(_ => Guid.NewGuid()).ToList();
            foreach (var id in ids) downstream.Recorder.Track(id);
            await Task.WhenAll(ids.Select(id => downstream.Bus.Publish(new InteractionRequested { RequestId = id, Request = request })));
            var all = Task.WhenAll(ids.Select(id => downstream.Recorder.Track(id).Done.Task));
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(8))) != all)
                throw new TimeoutException($"{ids.Count(id => !downstream.Recorder.Track(id).Done.Task.IsCompleted)} of {ids.Count} quota requests did not finish");
            var completed = ids.Count(id => downstream.Recorder.Track(id).Completed);

            using var http = new HttpClient { BaseAddress = _emulator.BaseAddress };
            var report = (await http.GetFromJsonAsync<JsonObject>("/emulator/quotas"))!;
            var bucket = report["buckets"]!.AsArray().Single(b => (string)b!["apiKey"]! == key)!;
            var admitted = bucket["windows"]!.AsArray().Select(w => (int)w!["admitted"]!).ToList();
            Phase("  per window, admitted/refused: " + string.Join(" ", bucket["windows"]!.AsArray().Select(w => $"{(int)w!["admitted"]!}/{(int)w["refused"]!}")));
            // The first and the last window are partial: the burst starts and ends within them.
            var full = admitted.Count > 2 ? admitted.Skip(1).Take(admitted.Count - 2).ToList() : admitted;
            return (completed, ids.Count - completed, full.Average(), (int)bucket["refused"]!, admitted.Count);
        }
        finally
        {
            foreach (var w in workers) await w.DisposeAsync();
        }
    }
}
