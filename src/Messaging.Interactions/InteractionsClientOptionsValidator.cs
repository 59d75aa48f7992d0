using Microsoft.Extensions.Options;

namespace Messaging.Interactions;

/// <summary>Checks the rules data annotations cannot express; messages never include the key.</summary>
internal sealed class InteractionsClientOptionsValidator : IValidateOptions<InteractionsClientOptions>
{
    public ValidateOptionsResult Validate(string? name, InteractionsClientOptions options)
    {
        var errors = new List<string>();
        if (options.BaseUrl is null || !options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme is not ("http" or "https"))
            errors.Add("Interactions:BaseUrl must be an absolute http(s) URL of the API host, e.g. https://generativelanguage.googleapis.com.");
        else if (!string.IsNullOrEmpty(options.BaseUrl.Query))
            errors.Add("Interactions:BaseUrl must not have a query string.");
        if (options.RetryBaseDelay <= TimeSpan.Zero) errors.Add("Interactions:RetryBaseDelay must be positive.");
        if (options.MaxRetryDelay < options.RetryBaseDelay) errors.Add("Interactions:MaxRetryDelay must be at least RetryBaseDelay.");
        if (options.RequestTimeout <= TimeSpan.Zero) errors.Add("Interactions:RequestTimeout must be positive.");
        if (options.StreamIdleTimeout <= TimeSpan.Zero) errors.Add("Interactions:StreamIdleTimeout must be positive.");
        if (options.PollInterval <= TimeSpan.Zero) errors.Add("Interactions:PollInterval must be positive.");
        if (options.ApiKey is { } key && key.Any(char.IsWhiteSpace)) errors.Add("Interactions:ApiKey must not contain whitespace.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
