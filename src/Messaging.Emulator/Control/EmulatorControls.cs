namespace Messaging.Emulator.Control;

/// <summary>The pacing, fault and behaviour controls in force for one request.</summary>
internal sealed record EmulatorControls(
    int Chunks,
    int ChunkDelayMs,
    int FirstTokenMs,
    int BackgroundMs,
    FaultKind Fault,
    int? FaultCount,
    int FaultAfter,
    int RetryAfterSeconds,
    bool RetryAfterGiven,
    int FunctionRounds,
    int ContinuationHops,
    ResumeFault ResumeFault = ResumeFault.None,
    Quotas.QuotaLimits? Quota = null)
{
    public bool IsStreamFault => Fault is FaultKind.CutStream or FaultKind.Stall or FaultKind.MalformedSse or FaultKind.BareJsonError;

    public bool IsHttpFault => Fault is FaultKind.RateLimit or FaultKind.ServerError or FaultKind.BadRequest;

    /// <summary>The same controls with the fault switched off (an attempt past <c>emulator_fault_count</c>).</summary>
    public EmulatorControls WithoutFault() => this with { Fault = FaultKind.None };
}
