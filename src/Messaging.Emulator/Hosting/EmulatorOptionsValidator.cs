using Messaging.Emulator.Api;
using Messaging.Emulator.Control;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Hosting;

/// <summary>Rejects impossible defaults at start-up rather than on the first request.</summary>
internal sealed class EmulatorOptionsValidator : IValidateOptions<EmulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        var failures = new List<string>();
        if (options.Chunks < 1)
        {
            failures.Add("Emulator:Chunks must be at least 1.");
        }

        if (options.ChunkDelayMs < 0 || options.FirstTokenMs < 0 || options.BackgroundMs < 0)
        {
            failures.Add("Emulator delays (ChunkDelayMs, FirstTokenMs, BackgroundMs) must not be negative.");
        }

        if (options.FaultCount < 0 || options.FaultAfter < 0 || options.RetryAfterSeconds < 0 || options.FunctionRounds < 0 || options.ContinuationHops < 0)
        {
            failures.Add("Emulator counts (FaultCount, FaultAfter, RetryAfterSeconds, FunctionRounds, ContinuationHops) must not be negative.");
        }

        if (options.StoreCapacity < 1 || options.MaxRequestBodyBytes < 1)
        {
            failures.Add("Emulator:StoreCapacity and Emulator:MaxRequestBodyBytes must be positive.");
        }

        foreach (var (quota, i) in options.Quotas.Select(static (q, i) => (q, i)))
        {
            if (quota.WindowSeconds is <= 0 or double.NaN || quota.RequestsPerWindow < 1 || quota.TokensPerWindow < 1 ||
                quota.RequestsPerDay < 1 || quota.TokensPerDay < 1 || quota.ConcurrentRequests < 1)
            {
                failures.Add($"Emulator:Quotas:{i}: the window must be positive and every limit given at least 1.");
            }
        }

        if (options.Fault is { } fault)
        {
            try
            {
                ControlResolver.ParseFault(fault);
            }
            catch (ApiException error)
            {
                failures.Add($"Emulator:Fault: {error.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static void ThrowIfInvalid(EmulatorOptions options)
    {
        var result = new EmulatorOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(EmulatorOptions), typeof(EmulatorOptions), result.Failures);
        }
    }
}
