using MassTransit;
using Messaging.Interactions.Quotas;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Quotas;

/// <summary>
/// Tells every replica of each cooldown a 429 started here (<see cref="QuotaCooldowns.Started"/> → a
/// <see cref="QuotaCooldownStarted"/> on the bus), so one refusal holds the model cluster-wide instead of each replica
/// finding the spent quota with 429s of its own. A cooldown that fails to go out is logged: this replica still honours it.
/// </summary>
internal sealed class QuotaCooldownBroadcast(QuotaCooldowns cooldowns, IBus bus, ApiKeyFingerprint key, IOptions<QuotaOptions> options,
    WorkerTelemetry telemetry, ILogger<QuotaCooldownBroadcast> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cooldowns.Started += Count;
        if (options.Value.ShareCooldowns) cooldowns.Started += Publish;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        cooldowns.Started -= Count;
        cooldowns.Started -= Publish;
        return Task.CompletedTask;
    }

    private void Count(string model, DateTimeOffset until) => telemetry.QuotaCooldown(model, "here");

    private void Publish(string model, DateTimeOffset until) => _ = PublishAsync(model, until);

    private async Task PublishAsync(string model, DateTimeOffset until)
    {
        try
        {
            logger.LogInformation("The API refused a create for {Model}: creates for it are held until {Until:O} on every replica", model, until);
            await bus.Publish(new QuotaCooldownStarted { KeyFingerprint = key.Value, Model = model, Until = until });
        }
#pragma warning disable CA1031 // A cooldown that is not shared still holds this replica; nothing else depends on it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogWarning(ex, "The cooldown of {Model} could not be shared with the other replicas", model);
        }
    }
}
