using System.Security.Cryptography;
using System.Text;
using Messaging.Interactions;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Quotas;

/// <summary>Names the API key without giving it away: the first 16 hex digits of its SHA-256. Quotas are per key, so cooldowns are too.</summary>
internal sealed class ApiKeyFingerprint(IOptions<InteractionsClientOptions> client)
{
    public string Value { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(client.Value.ApiKey ?? "")))[..16];
}
