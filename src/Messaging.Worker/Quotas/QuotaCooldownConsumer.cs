using MassTransit;
using Messaging.Interactions.Quotas;
using Messaging.Worker.Infrastructure;

namespace Messaging.Worker.Quotas;

/// <summary>Takes in a cooldown another replica (or this one) started: the model's creates are held here too.</summary>
internal sealed class QuotaCooldownConsumer(IQuotaCooldowns cooldowns, ApiKeyFingerprint key, WorkerTelemetry telemetry) : IConsumer<QuotaCooldownStarted>
{
    public Task Consume(ConsumeContext<QuotaCooldownStarted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cooldown = context.Message;
        if (cooldown.KeyFingerprint != key.Value || cooldown.Model.Length == 0) return Task.CompletedTask; // another key's quota
        cooldowns.Hold(cooldown.Model, cooldown.Until);
        telemetry.QuotaCooldown(cooldown.Model, "shared");
        return Task.CompletedTask;
    }
}
