using System.Runtime.CompilerServices;

namespace Messaging.Interactions.Http;

/// <summary>
/// Counts the attempts of one logical call. Sits inside the retry pipeline so every retry passes it;
/// the counter is a shared box in the request options, which the retry strategy copies to each attempt.
/// </summary>
internal sealed class AttemptCounter : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<StrongBox<int>> Key = new("Messaging.Interactions.Attempts");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Key, out var box)) Interlocked.Increment(ref box.Value);
        return base.SendAsync(request, cancellationToken);
    }
}
