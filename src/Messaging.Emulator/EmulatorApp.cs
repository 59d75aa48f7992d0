using Messaging.Emulator.Api;
using Messaging.Emulator.Hosting;

namespace Messaging.Emulator;

/// <summary>
/// Builds the emulator's web application. <c>Program</c> and <see cref="EmulatorServer"/> both use
/// it, so the process started with <c>dotnet run</c> and the in-process test server are one app.
/// </summary>
public static class EmulatorApp
{
    /// <summary>
    /// Builds the app from command-line arguments (e.g. <c>--urls http://127.0.0.1:18451</c>), with
    /// <see cref="EmulatorOptions"/> bound from the <c>Emulator</c> configuration section.
    /// </summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>The app, ready to run.</returns>
    public static WebApplication Build(string[] args) => Build(args, options: null, configure: null);

    internal static WebApplication Build(string[] args, EmulatorOptions? options, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddEmulator(options);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<RequestCaptureMiddleware>();
        app.MapEmulatorEndpoints();
        return app;
    }
}
