namespace Messaging.Worker.Tests.Support;

/// <summary>What a fault did to a set of requests, as the fault tests count it: lost, ended twice, paid twice, shown wrong.</summary>
internal sealed record RequestTally(int Lost, int Twice, int ReRuns, int WrongText)
{
    /// <summary>Counts the requests' final events (by messageId), the API's creates and what the stream helper shows.</summary>
    public static RequestTally Of(FaultRig rig, IReadOnlyCollection<Guid> ids) => new(
        Lost: ids.Count(id => rig.Events.DistinctFinals(id) == 0),
        Twice: ids.Count(id => rig.Events.DistinctFinals(id) > 1),
        ReRuns: ids.Sum(rig.CreatesOf) - ids.Count,
        WrongText: ids.Count(id => !rig.Events.ShowsOutputText(id)));

    public override string ToString() =>
        $"lost {Lost}, more than one final event {Twice}, re-runs {ReRuns}, text different from outputText {WrongText}";

    /// <summary>Nothing lost, nothing ended or paid twice, every text whole.</summary>
    public void AssertClean()
    {
        Assert.Equal(0, Lost);
        Assert.Equal(0, Twice);
        Assert.Equal(0, ReRuns);
        Assert.Equal(0, WrongText);
    }
}
