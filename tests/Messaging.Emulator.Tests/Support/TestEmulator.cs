using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Messaging.Emulator.Tests.Support;

/// <summary>
/// An emulator on a free port plus an HttpClient that talks to it the way the official SDK does
/// (Content-Type: application/json on every request, empty bodies on GET, DELETE and cancel).
/// </summary>
internal sealed class TestEmulator : IAsyncDisposable
{
    private TestEmulator(EmulatorServer server)
    {
        Server = server;
        Http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public EmulatorServer Server { get; }

    public HttpClient Http { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<TestEmulator> StartAsync(EmulatorOptions? options = null) =>
        new(await EmulatorServer.StartAsync(options ?? new EmulatorOptions(), Ct));

    public Task<ApiResponse> CreateAsync(JsonObject body, string version = "v1", IDictionary<string, string>? headers = null) =>
        CreateRawAsync(body.ToJsonString(), version, headers);

    public async Task<ApiResponse> CreateRawAsync(string json, string version = "v1", IDictionary<string, string>? headers = null, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{version}/interactions{query}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        AddHeaders(request, headers);
        return await SendAsync(request);
    }

    public Task<ApiResponse> GetAsync(string id, string query = "stream=false", IDictionary<string, string>? headers = null) =>
        SendEmptyAsync(HttpMethod.Get, $"/v1/interactions/{Uri.EscapeDataString(id)}?{query}", headers);

    public Task<ApiResponse> CancelAsync(string id, string version = "v1") =>
        SendEmptyAsync(HttpMethod.Post, $"/{version}/interactions/{Uri.EscapeDataString(id)}/cancel");

    public Task<ApiResponse> DeleteAsync(string id) =>
        SendEmptyAsync(HttpMethod.Delete, $"/v1/interactions/{Uri.EscapeDataString(id)}");

    public async Task<ApiResponse> SendEmptyAsync(HttpMethod method, string path, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = EmptyJson() };
        AddHeaders(request, headers);
        return await SendAsync(request);
    }

    /// <summary>Creates with <c>stream: true</c> and reads every event until the server closes the stream.</summary>
    public async Task<SseStream> StreamAsync(JsonObject body, IDictionary<string, string>? headers = null)
    {
        body["stream"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/interactions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        AddHeaders(request, headers);
        return await SseStream.OpenAsync(Http, request);
    }

    public async Task<SseStream> StreamGetAsync(string id, string? lastEventId = null)
    {
        var query = lastEventId is null ? "stream=true" : $"last_event_id={Uri.EscapeDataString(lastEventId)}&stream=true";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/interactions/{id}?{query}") { Content = EmptyJson() };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await SseStream.OpenAsync(Http, request);
    }

    /// <summary>Polls GET until the interaction leaves in_progress (no timing is asserted).</summary>
    public async Task<JsonObject> WaitUntilFinishedAsync(string id)
    {
        while (true)
        {
            var response = await GetAsync(id);
            var status = (string?)response.Object["status"];
            if (status is not "in_progress")
            {
                return response.Object;
            }

            await Task.Delay(20, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    private async Task<ApiResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return new ApiResponse((int)response.StatusCode, text, response.Content.Headers.ContentType?.ToString(), response.Headers);
    }

    private static ByteArrayContent EmptyJson()
    {
        var content = new ByteArrayContent([]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static void AddHeaders(HttpRequestMessage request, IDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
