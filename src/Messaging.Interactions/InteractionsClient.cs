using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using Messaging.Interactions.Http;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Messaging.Interactions;

/// <summary>
/// <see cref="IInteractionsClient"/> over an <see cref="HttpClient"/> from <c>IHttpClientFactory</c>
/// (retries live in that client's resilience handler). Requests are shaped as the official SDK sends
/// them: <c>x-goog-api-key</c>, <c>Content-Type: application/json</c> on every request, <c>Accept</c>
/// JSON or <c>text/event-stream</c>, <c>stream=false</c> on plain gets.
/// </summary>
public sealed partial class InteractionsClient : IInteractionsClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptEventStream = new("text/event-stream");

    private readonly HttpClient _http;
    private readonly InteractionsClientOptions _options;
    private readonly ILogger<InteractionsClient> _logger;
    private readonly string _root;

    /// <summary>Creates the client (normally through <c>AddInteractionsClient</c>).</summary>
    public InteractionsClient(HttpClient http, IOptions<InteractionsClientOptions> options, ILogger<InteractionsClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options.Value;
        _logger = logger ?? NullLogger<InteractionsClient>.Instance;
        _root = $"{_options.BaseUrl.AbsoluteUri.TrimEnd('/')}/{_options.ApiVersion}/interactions";
    }

    /// <inheritdoc />
    public async Task<Interaction> CreateAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Stream == true)
            throw new ArgumentException("The body asks for a stream: use CreateStreamAsync.", nameof(request));
        using var message = NewRequest(HttpMethod.Post, _root, AcceptJson, new JsonBodyContent(request.Json));
        ForQuotaOf(message, request);
        return await SendUnaryAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<InteractionEvent> CreateStreamAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Not copied to set "stream": the body is written with it (a copy of a 15 MB body would be 15 MB more).
        return new ResumableInteractionStream(this, request, _options, _logger).ReadAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Interaction> GetAsync(string id, bool includeInput = false, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Get, GetUrl(id, includeInput, null, stream: false), AcceptJson, null);
        return await SendUnaryAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<InteractionEvent> GetStreamAsync(string id, string? lastEventId = null, bool includeInput = false,
        CancellationToken cancellationToken = default) =>
        StreamRawAsync(() => NewRequest(HttpMethod.Get, GetUrl(id, includeInput, lastEventId, stream: true), AcceptEventStream, null), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<InteractionEvent> ResumeStreamAsync(string id, string? lastEventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return new ResumableInteractionStream(this, CreateInteractionRequest.Parse("{}"), _options, _logger, id, lastEventId).ReadAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Interaction> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Post, $"{ItemUrl(id)}/cancel", AcceptJson, null);
        return await SendUnaryAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Delete, ItemUrl(id), AcceptJson, null);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            throw await ApiErrors.ReadAsync(response, Attempts(message), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POSTs the create body with <c>"stream": true</c> and yields the raw events, without resume.</summary>
    internal IAsyncEnumerable<InteractionEvent> CreateStreamRawAsync(CreateInteractionRequest body, CancellationToken cancellationToken) =>
        StreamRawAsync(() => ForQuotaOf(NewRequest(HttpMethod.Post, _root, AcceptEventStream, new JsonBodyContent(body.Json, setTrue: "stream")), body),
            cancellationToken);

    // A create counts against its model's quota, for its tenant: QuotaCooldownHandler holds it during a cooldown.
    private static HttpRequestMessage ForQuotaOf(HttpRequestMessage message, CreateInteractionRequest body)
    {
        if ((body.Model ?? body.Agent) is { Length: > 0 } model) message.Options.Set(QuotaCooldownHandler.ModelKey, model);
        if (body.Tenant is { } tenant) message.Options.Set(QuotaCooldownHandler.TenantKey, tenant);
        return message;
    }

    private async IAsyncEnumerable<InteractionEvent> StreamRawAsync(Func<HttpRequestMessage> newRequest,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = newRequest();
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            throw await ApiErrors.ReadAsync(response, Attempts(message), cancellationToken).ConfigureAwait(false);
        using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var evt in InteractionEventReader.ReadAsync(body, cancellationToken).ConfigureAwait(false))
            yield return evt;
    }

    private async Task<Interaction> SendUnaryAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "application/json")
            throw await ApiErrors.ReadAsync(response, Attempts(message), cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        return new Interaction(InteractionsJson.ParseObject(bytes));
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string url, MediaTypeWithQualityHeaderValue accept, HttpContent? jsonBody)
    {
        var message = new HttpRequestMessage(method, url);
        message.Headers.Accept.Add(accept);
        message.Headers.TryAddWithoutValidation("x-goog-api-key", _options.ApiKey);
        // The SDK sends Content-Type on every request, bodiless ones included.
        message.Content = jsonBody ?? new ByteArrayContent([]);
        message.Content.Headers.ContentType = JsonMediaType;
        message.Options.Set(AttemptCounter.Key, new StrongBox<int>());
        return message;
    }

    private static int Attempts(HttpRequestMessage message) =>
        message.Options.TryGetValue(AttemptCounter.Key, out var box) ? Math.Max(1, box.Value) : 1;

    private string ItemUrl(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return $"{_root}/{Uri.EscapeDataString(id)}";
    }

    private string GetUrl(string id, bool includeInput, string? lastEventId, bool stream)
    {
        // Query order as the SDK writes it: include_input, last_event_id, stream.
        var sb = new StringBuilder(ItemUrl(id)).Append('?');
        if (includeInput) sb.Append("include_input=true&");
        if (lastEventId is not null) sb.Append("last_event_id=").Append(Uri.EscapeDataString(lastEventId)).Append('&');
        sb.Append("stream=").Append(stream ? "true" : "false");
        return sb.ToString();
    }
}
