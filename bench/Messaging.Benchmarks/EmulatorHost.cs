using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using Messaging.Emulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Messaging.Benchmarks;

/// <summary>
/// The emulator in this process, with a hook on its response writer: when <see cref="Recording"/> is on, it
/// notes the moment each <c>step.delta</c> frame of a created stream is written, by interaction id and
/// delta number (the n-th delta of the stream = the worker's <c>sequence</c> n). Latency is then measured
/// from that write to a consumer's receipt, with one clock.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool Recording { get; set; }

    /// <summary>Write timestamps (<see cref="Stopwatch"/> ticks) of each stream's deltas, index 0 = sequence 1.</summary>
    public ConcurrentDictionary<string, List<long>> DeltaWrites { get; } = new();

    /// <summary>When each interaction's stream was first resumed (<c>GET …?stream=true&amp;last_event_id=…</c>), in <see cref="Stopwatch"/> ticks.</summary>
    public ConcurrentDictionary<string, long> Resumes { get; } = new();

    public long WriteTime(string interactionId, long sequence)
    {
        if (!DeltaWrites.TryGetValue(interactionId, out var writes)) return 0;
        lock (writes) return sequence >= 1 && sequence <= writes.Count ? writes[(int)sequence - 1] : 0;
    }

    public static async Task<EmulatorHost> StartAsync()
    {
        var app = EmulatorApp.Build([
            "--urls", "http://127.0.0.1:0", "--hostBuilder:reloadConfigOnChange=false",
            "--Emulator:RecordRequests=false", "--Emulator:StoreCapacity=20000",
            "--Logging:LogLevel:Default=Warning",
        ]);
        EmulatorHost? host = null;
        app.Use(async (context, next) =>
        {
            if (host is not null && HttpMethods.IsGet(context.Request.Method) && context.Request.Query.ContainsKey("last_event_id")
                && context.Request.Path.Value is { } path)
            {
                host.Resumes.TryAdd(path[(path.LastIndexOf('/') + 1)..], Stopwatch.GetTimestamp());
            }
            if (host is { Recording: true } && HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value?.EndsWith("/interactions", StringComparison.Ordinal) == true)
            {
                var body = context.Features.Get<IHttpResponseBodyFeature>()!;
                context.Features.Set<IHttpResponseBodyFeature>(new TimestampingBodyFeature(body, host));
            }
            await next(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host = new EmulatorHost(app, new Uri(address));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class TimestampingBodyFeature(IHttpResponseBodyFeature inner, EmulatorHost host) : IHttpResponseBodyFeature
    {
        private PipeWriter? _writer;

        public Stream Stream => inner.Stream;
        public PipeWriter Writer => _writer ??= new TimestampingWriter(inner.Writer, host);
        public Task CompleteAsync() => inner.CompleteAsync();
        public void DisableBuffering() => inner.DisableBuffering();
        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            inner.SendFileAsync(path, offset, count, cancellationToken);
        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);
    }

    private sealed class TimestampingWriter(PipeWriter inner, EmulatorHost host) : PipeWriter
    {
        private static ReadOnlySpan<byte> DeltaFrame => "event: step.delta\n"u8;
        private static ReadOnlySpan<byte> CreatedFrame => "event: interaction.created\n"u8;
        private List<long>? _writes;

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            var span = source.Span;
            if (span.StartsWith(DeltaFrame) && _writes is { } writes)
            {
                lock (writes) writes.Add(Stopwatch.GetTimestamp());
            }
            else if (span.StartsWith(CreatedFrame))
            {
                var data = span.IndexOf("data: "u8);
                using var doc = JsonDocument.Parse(source[(data + 6)..]);
                var id = doc.RootElement.GetProperty("interaction").GetProperty("id").GetString()!;
                _writes = host.DeltaWrites.GetOrAdd(id, _ => []);
            }
            return inner.WriteAsync(source, cancellationToken);
        }

        public override void Advance(int bytes) => inner.Advance(bytes);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    }
}
