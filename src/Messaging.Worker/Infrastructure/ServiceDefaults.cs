using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Messaging.Worker.Infrastructure;

/// <summary>What every service of the product shares: OpenTelemetry and health checks.</summary>
public static class ServiceDefaults
{
    /// <summary>Liveness: the process answers. Readiness: the checks tagged <c>ready</c>, the bus included.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness path.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>
    /// OpenTelemetry metrics (ASP.NET Core, HttpClient, runtime, MassTransit's <c>MassTransit</c> meter and the worker's
    /// <see cref="WorkerTelemetry.Name"/>) always; traces (the same sources) and logs only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, exported over OTLP; and the health-check service with a <c>live</c> check.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Quiet defaults under every other source, so appsettings and the environment still win. Kept in
        // code rather than in an appsettings.json, which would be copied into every project referencing this one.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            },
        });
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter(InstrumentationOptions.MeterName)
                .AddMeter(WorkerTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());
        // Traces and OTel logs only where they go somewhere: recording an activity (with its tags) for every publish,
        // consume and HTTP call costs CPU on the delta path, for nothing when no exporter is configured.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });
            telemetry.WithTracing(tracing => tracing
                    .AddSource(DiagnosticHeaders.DefaultListenerName)
                    .AddSource(WorkerTelemetry.Name)
                    .AddSource(Publishing.RabbitMqStreamEventPublisher.ClientPublisherSource) // direct publishes: a span and a traceparent each
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health/live</c> and <c>/health/ready</c> (both anonymous, in every environment: orchestrators need them); ready
    /// answers 503 unless every check is healthy.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        // Ready means able to work: MassTransit reports a bus that lost the broker (or is reconnecting) as Degraded, which
        // ASP.NET would answer with 200.
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready") || check.Tags.Contains("live"),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }
}
