using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Messaging.Interactions.Tests.Client;

public class OptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddInteractionsClient();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Defaults_follow_the_seed_host_and_version()
    {
        using var provider = Build(new() { ["GEMINI_API_KEY"] = "k" });

        var options = provider.GetRequiredService<IOptions<InteractionsClientOptions>>().Value;

        Assert.Equal(new Uri("https://generativelanguage.googleapis.com"), options.BaseUrl);
        Assert.Equal("v1beta", options.ApiVersion);
        Assert.Equal("k", options.ApiKey);
    }

    [Fact]
    public void A_missing_key_fails_validation_with_a_message_that_says_how_to_set_it()
    {
        using var provider = Build([]);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InteractionsClientOptions>>().Value);

        Assert.Contains("GEMINI_API_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_settings_are_reported_together_and_never_echo_the_key()
    {
        using var provider = Build(new()
        {
            ["Interactions:ApiKey"] = "secret key",
            ["Interactions:BaseUrl"] = "ftp://example.com",
            ["Interactions:ApiVersion"] = "beta/1",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InteractionsClientOptions>>().Value);

        Assert.Contains("BaseUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiVersion", error.Message, StringComparison.Ordinal);
        Assert.Contains("whitespace", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_come_from_the_interactions_section()
    {
        using var provider = Build(new()
        {
            ["Interactions:ApiKey"] = "abc",
            ["Interactions:BaseUrl"] = "http://127.0.0.1:9999/prefix",
            ["Interactions:ApiVersion"] = "v1",
            ["Interactions:MaxRetries"] = "2",
        });

        var options = provider.GetRequiredService<IOptions<InteractionsClientOptions>>().Value;

        Assert.Equal(("http://127.0.0.1:9999/prefix", "v1", 2), (options.BaseUrl.ToString(), options.ApiVersion, options.MaxRetries));
    }
}
