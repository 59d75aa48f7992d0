namespace Messaging.Worker.Tests.Faults;

/// <summary>Fault tests run one at a time: each starts worker processes, and two cores do not run two such rigs well.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultTests
{
    public const string Name = "Faults";
}
