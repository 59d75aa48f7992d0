using Microsoft.Extensions.Options;

namespace Messaging.Client;

/// <summary>Rejects a broker URL the bus cannot use, at start.</summary>
internal sealed class BusOptionsValidator : IValidateOptions<BusOptions>
{
    public ValidateOptionsResult Validate(string? name, BusOptions options) =>
        options.RabbitMqUrl is null || (options.RabbitMqUrl.IsAbsoluteUri && options.RabbitMqUrl.Scheme is "amqp" or "amqps" or "rabbitmq")
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Bus:RabbitMqUrl must be an absolute amqp:// or amqps:// URL, e.g. amqp://guest:guest@localhost:5672/.");
}
