namespace Messaging.Interactions.Streaming;

/// <summary>
/// Adds a blank line after the body's last byte. The SSE rules drop an event that is not followed by
/// a blank line; a server that closes right after its last <c>data:</c> line (no final newline) would
/// otherwise lose its last event, typically <c>interaction.completed</c>. Extra blank lines are harmless.
/// </summary>
internal sealed class TerminatedStream(Stream inner) : Stream
{
    private static readonly byte[] Terminator = "\n\n"u8.ToArray();
    private int _terminatorSent;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        return n > 0 ? n : Terminate(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return n > 0 ? n : Terminate(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Terminate(Span<byte> buffer)
    {
        if (_terminatorSent >= Terminator.Length || buffer.IsEmpty) return 0;
        var n = Math.Min(buffer.Length, Terminator.Length - _terminatorSent);
        Terminator.AsSpan(_terminatorSent, n).CopyTo(buffer);
        _terminatorSent += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
