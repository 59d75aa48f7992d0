using Messaging.Worker.Publishing;

namespace Messaging.Worker.Tests.Publishing;

public sealed class ConfirmedChannelTests
{
    [Fact]
    public void Publishes_are_confirmed_and_never_throttled_by_the_clients_default_limiter()
    {
        var options = RabbitMqStreamEventPublisher.ConfirmedChannel;

        Assert.True(options.PublisherConfirmationsEnabled);
        Assert.True(options.PublisherConfirmationTrackingEnabled);
        Assert.Null(options.OutstandingPublisherConfirmationsRateLimiter);
    }
}
