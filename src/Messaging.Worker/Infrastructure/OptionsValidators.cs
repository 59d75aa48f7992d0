using Microsoft.Extensions.Options;

namespace Messaging.Worker.Infrastructure;

/// <summary>The <see cref="WorkerOptions"/> rules data annotations cannot express.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options) =>
        options.BackgroundPollInterval > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Worker:BackgroundPollInterval must be positive.");
}

/// <summary>The <see cref="BusOptions"/> rules data annotations cannot express; messages never include credentials.</summary>
internal sealed class BusOptionsValidator : IValidateOptions<BusOptions>
{
    public ValidateOptionsResult Validate(string? name, BusOptions options) =>
        options.RabbitMqUrl is null || (options.RabbitMqUrl.IsAbsoluteUri && options.RabbitMqUrl.Scheme is "amqp" or "amqps" or "rabbitmq")
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Bus:RabbitMqUrl must be an absolute amqp:// or amqps:// URL, e.g. amqp://guest:guest@localhost:5672/.");
}
