using Messaging.Worker.Publishing;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Publishing;

/// <summary>The channels a worker really publishes a stream's events on: in confirm mode, with every publish tracked to its confirm.</summary>
public sealed class ConfirmedChannelTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    [Fact]
    public async Task A_workers_stream_channels_are_in_confirm_mode_and_every_publish_waits_for_its_confirm()
    {
        var publisher = Assert.IsType<RabbitMqStreamEventPublisher>(Fixture.Workers[0].Services.GetRequiredService<IStreamEventPublisher>());
        var channel = await publisher.ChannelAsync(0, Ct);

        var before = await channel.GetNextPublishSequenceNumberAsync(Ct);
        Assert.True(before >= 1, "the channel is not in confirm mode");
        // 200 publishes at once, more than the client's default limiter lets through unthrottled: each completes on its
        // confirm (tracking), and the sequence advanced by exactly as many.
        var queue = await channel.QueueDeclareAsync(exclusive: true, autoDelete: true, cancellationToken: Ct);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            channel.BasicPublishAsync("", queue.QueueName, mandatory: false, new BasicProperties(), new byte[] { (byte)i }, Ct).AsTask()));
        Assert.Equal(before + 200, await channel.GetNextPublishSequenceNumberAsync(Ct));
        Assert.Equal(200u, (await channel.QueueDeclarePassiveAsync(queue.QueueName, Ct)).MessageCount);
        // The limiter itself shows only in time (RabbitMQ.Client sleeps 0.5–1 s per publish past 64 unconfirmed): the
        // benchmark measures that; here, the options the channels are opened with.
        Assert.Null(RabbitMqStreamEventPublisher.ConfirmedChannel.OutstandingPublisherConfirmationsRateLimiter);
    }
}
