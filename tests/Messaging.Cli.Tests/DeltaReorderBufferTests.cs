using Messaging.Cli.Rendering;
using Messaging.Contracts;

namespace Messaging.Cli.Tests;

public class DeltaReorderBufferTests
{
    private static StepDelta Delta(long first, long last) => new() { Sequence = first, LastSequence = last, Text = $"{first}" };

    [Fact]
    public void Releases_deltas_in_sequence_order_and_drops_duplicates()
    {
        var buffer = new DeltaReorderBuffer();

        Assert.Empty(buffer.Add(Delta(2, 2)));
        Assert.Equal([1, 2], buffer.Add(Delta(1, 1)).Select(d => d.Sequence));
        Assert.Empty(buffer.Add(Delta(2, 2)));
        Assert.Empty(buffer.Add(Delta(6, 6)));
        Assert.Equal([3, 6], buffer.Add(Delta(3, 5)).Select(d => d.Sequence));
        Assert.Equal(0, buffer.Pending);
    }
}
