using MassTransit;
using Messaging.Worker.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Messaging.Testing;

/// <summary>Starts the worker as its Program.cs does, with test settings, on a free loopback port.</summary>
public static class WorkerHost
{
    /// <param name="configureServices">Runs after the worker's registrations: a test's own services, or replacements.</param>
    public static async Task<WebApplication> StartAsync(IDictionary<string, string?> settings, ILoggerProvider? logs = null,
        Action<IBusRegistrationConfigurator>? configureBus = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "Messaging.Worker",
            EnvironmentName = "Testing",
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        // Headers are logged at Trace: the key must be redacted there too.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Trace);
        if (logs is not null) builder.Logging.AddProvider(logs);

        // The same calls as Program.cs.
        builder.AddServiceDefaults();
        builder.Services.AddMessagingWorker(builder.Configuration, configureBus);
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    public static Uri Address(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
