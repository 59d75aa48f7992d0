namespace Messaging.Emulator.Hosting;

/// <summary>Keeps every received request, in arrival order, for <see cref="EmulatorServer.Requests"/>.</summary>
internal sealed class RequestRecorder
{
    private readonly List<RecordedRequest> requests = [];
    private readonly Lock gate = new();

    public void Record(RecordedRequest request)
    {
        lock (gate)
        {
            requests.Add(request);
        }
    }

    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (gate)
        {
            return requests.ToArray();
        }
    }
}
