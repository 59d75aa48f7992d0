using Messaging.Worker.Streaming;

namespace Messaging.Worker.Tests.Streaming;

public sealed class RequestWaitsTests
{
    [Theory]
    [InlineData(0.2, 1)]
    [InlineData(3, 1)]
    [InlineData(5, 5)]
    [InlineData(45, 30)]
    [InlineData(299, 120)]
    [InlineData(3600, 600)]
    public void A_wait_goes_through_the_longest_wait_queue_not_longer_than_what_is_left(double leftSeconds, double stepSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(stepSeconds), RequestWaits.StepFor(TimeSpan.FromSeconds(leftSeconds)));
}
