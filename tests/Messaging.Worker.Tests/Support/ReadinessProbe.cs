using System.Diagnostics;
using System.Net;

namespace Messaging.Worker.Tests.Support;

/// <summary>Asks a replica's <c>/health/ready</c> every 100 ms, as an orchestrator's probe would, and keeps every answer with its time.</summary>
internal sealed class ReadinessProbe : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(1) };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long At, HttpStatusCode? Status)> _answers = [];
    private readonly Task _loop;

    public ReadinessProbe(Uri baseAddress) => _loop = LoopAsync(new Uri(baseAddress, "/health/ready"));

    /// <summary>The answers between two <see cref="Stopwatch"/> timestamps (null: no answer).</summary>
    public IReadOnlyList<HttpStatusCode?> Between(long from, long to)
    {
        lock (_answers) return _answers.Where(a => a.At >= from && a.At <= to).Select(a => a.Status).ToList();
    }

    /// <summary>The first time at or after <paramref name="from"/> the replica answered 200.</summary>
    public long? FirstHealthyAfter(long from)
    {
        lock (_answers) return _answers.Where(a => a.At >= from && a.Status == HttpStatusCode.OK).Select(a => (long?)a.At).FirstOrDefault();
    }

    private async Task LoopAsync(Uri ready)
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpStatusCode? status;
            try
            {
                using var response = await _http.GetAsync(ready, _stop.Token);
                status = response.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                status = null;
            }
            lock (_answers) _answers.Add((Stopwatch.GetTimestamp(), status));
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _http.Dispose();
    }
}
