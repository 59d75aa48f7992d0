using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Emulator.Tests.Support;

/// <summary>One SSE event: the <c>event:</c> name, the raw data, and the data parsed (null when it is not JSON).</summary>
internal sealed record SseEvent(string Name, string RawData, JsonObject? Data)
{
    public string EventType => (string)Data!["event_type"]!;

    public string EventId => (string)Data!["event_id"]!;
}

/// <summary>An open <c>text/event-stream</c> response read event by event (the SDK's framing rules, reference §6.1).</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private SseStream(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public int Status => (int)response.StatusCode;

    public string? ContentType => response.Content.Headers.ContentType?.MediaType;

    public static async Task<SseStream> OpenAsync(HttpClient http, HttpRequestMessage request)
    {
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestEmulator.Ct);
        var stream = await response.Content.ReadAsStreamAsync(TestEmulator.Ct);
        return new SseStream(response, new StreamReader(stream, Encoding.UTF8));
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<SseEvent?> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken == default)
        {
            cancellationToken = TestEmulator.Ct;
        }

        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length == 0)
                {
                    continue;
                }

                return new SseEvent(name ?? "message", data.ToString(), TryParse(data.ToString()));
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event":
                    name = value;
                    break;
                case "data":
                    if (data.Length > 0)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    break;
            }
        }

        return null;
    }

    public async Task<List<SseEvent>> ReadAllAsync()
    {
        var events = new List<SseEvent>();
        while (await ReadAsync() is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    public async Task<List<SseEvent>> ReadAsync(int count)
    {
        var events = new List<SseEvent>();
        while (events.Count < count && await ReadAsync() is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }

    private static JsonObject? TryParse(string data)
    {
        try
        {
            return JsonNode.Parse(data) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
