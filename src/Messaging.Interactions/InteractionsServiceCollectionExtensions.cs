using System.Net;
using Messaging.Interactions.Http;
using Microsoft.Extensions.Configuration;
using Messaging.Interactions.Quotas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Messaging.Interactions;

/// <summary>Registers the Interactions API client.</summary>
public static class InteractionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IInteractionsClient"/> as a typed client of <c>IHttpClientFactory</c>, with options
    /// bound from the <c>Interactions</c> section (the key falls back to <c>GEMINI_API_KEY</c>), validated
    /// on start, and a retry pipeline for 408/429/5xx and transport faults that honours
    /// <c>retry-after-ms</c>/<c>Retry-After</c> and a quota error's <c>retryDelay</c>, and holds creates for a model while a 429
    /// for it cools down (<see cref="IQuotaCooldowns"/>). Returns the client builder for further configuration.
    /// </summary>
    public static IHttpClientBuilder AddInteractionsClient(this IServiceCollection services, Action<InteractionsClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<InteractionsClientOptions>()
            .BindConfiguration(InteractionsClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<InteractionsClientOptions>, ApiKeyFromEnvironment>();
        if (configure is not null) options.Configure(configure);
        services.AddSingleton<IValidateOptions<InteractionsClientOptions>, InteractionsClientOptionsValidator>();
        // One cooldown book per process, shared by every client; a host may register its own IQuotaCooldowns first.
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<QuotaCooldowns>();
        services.TryAddSingleton<IQuotaCooldowns>(static sp => sp.GetRequiredService<QuotaCooldowns>());

        var builder = services.AddHttpClient<IInteractionsClient, InteractionsClient>(http =>
            {
                // Streams run for many minutes; unary calls get their own limit (RequestTimeout).
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = int.MaxValue,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                EnableMultipleHttp2Connections = true,
            })
            .RedactLoggedHeaders(["x-goog-api-key", "Authorization"]);

        builder.AddResilienceHandler("interactions-retry", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptionsMonitor<InteractionsClientOptions>>().CurrentValue;
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, o.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                MaxDelay = o.MaxRetryDelay,
                ShouldRetryAfterHeader = false,
                ShouldHandle = async args => o.MaxRetries > 0 && await RetryPolicy.ShouldRetryAsync(args.Outcome, o.MaxRetryAfter, args.Context.CancellationToken),
                DelayGenerator = async args =>
                    args.Outcome.Result is { } response ? await RetryAfter.ReadAsync(response, args.Context.CancellationToken) : null,
            });
        });
        builder.AddHttpMessageHandler(() => new AttemptCounter());
        builder.AddHttpMessageHandler(sp => new QuotaCooldownHandler(sp.GetRequiredService<IQuotaCooldowns>(), sp.GetService<IQuotaAdmission>(),
            sp.GetRequiredService<IOptionsMonitor<InteractionsClientOptions>>(), sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    private sealed class ApiKeyFromEnvironment(IConfiguration configuration) : IPostConfigureOptions<InteractionsClientOptions>
    {
        public void PostConfigure(string? name, InteractionsClientOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.ApiKey)) options.ApiKey = configuration["GEMINI_API_KEY"];
        }
    }
}
