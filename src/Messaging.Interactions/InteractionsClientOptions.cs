using System.ComponentModel.DataAnnotations;

namespace Messaging.Interactions;

/// <summary>Settings of the Interactions API client; bound from the <c>Interactions</c> configuration section.</summary>
public sealed class InteractionsClientOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Interactions";

    /// <summary>The API host, without the version (default <c>https://generativelanguage.googleapis.com</c>). A path prefix is kept.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://generativelanguage.googleapis.com");

    /// <summary>The API version path segment (default <c>v1beta</c>, as in Google's REST guide; the JS SDK 3.1.0 uses <c>v1</c>).</summary>
    [Required, RegularExpression("^v[0-9a-z]+$")]
    public string ApiVersion { get; set; } = "v1beta";

    /// <summary>The API key, sent as <c>x-goog-api-key</c>. Falls back to the <c>GEMINI_API_KEY</c> setting. Never logged.</summary>
    [Required(ErrorMessage = "An API key is required: set Interactions:ApiKey or GEMINI_API_KEY.")]
    public string? ApiKey { get; set; }

    /// <summary>Retries after the first attempt for 408/429/5xx and transport faults (default 4, as the official SDK).</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First backoff delay; doubles per retry with jitter (default 500 ms).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait before one retry (default 8 s). A <c>Retry-After</c> beyond <see cref="MaxRetryAfter"/> is not waited for.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Longest server-requested <c>Retry-After</c> the client honours by waiting (default 30 s); longer ones fail at once with the value in the exception.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit of one unary call (default 10 min, the server's own bound). Streams have no total limit.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A stream that sends nothing for this long is treated as broken and resumed (default 2 min).</summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times a broken stream is resumed with <c>last_event_id</c> before falling back to polling <c>GET</c> (default 3).</summary>
    [Range(0, 100)]
    public int MaxStreamResumes { get; set; } = 3;

    /// <summary>Interval of the <c>GET</c> polling used as the last fallback of a broken stream (default 1 s).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
