using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Interactions.Tests.Support;

/// <summary>Builds the client exactly as applications do, through <c>AddInteractionsClient</c>.</summary>
internal static class ClientFactory
{
    public static ServiceProvider Create(Uri baseUrl, Action<InteractionsClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddInteractionsClient(o =>
        {
            o.BaseUrl = baseUrl;
            o.ApiKey = "test-key";
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public static IInteractionsClient Client(this ServiceProvider provider) => provider.GetRequiredService<IInteractionsClient>();
}
