using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>The <see cref="WorkerOptions"/> rules data annotations cannot express.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options) =>
        options.BackgroundPollInterval > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Worker:BackgroundPollInterval must be positive.");
}
