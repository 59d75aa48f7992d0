namespace Messaging.Emulator.Control;

/// <summary>The faults the emulator can inject (control <c>emulator_fault</c>).</summary>
internal enum FaultKind
{
    None,

    /// <summary>429 <c>RESOURCE_EXHAUSTED</c> with <c>Retry-After</c>.</summary>
    RateLimit,

    /// <summary>503 <c>UNAVAILABLE</c>.</summary>
    ServerError,

    /// <summary>400 <c>INVALID_ARGUMENT</c>.</summary>
    BadRequest,

    /// <summary>The connection is aborted after <c>emulator_fault_after</c> SSE events.</summary>
    CutStream,

    /// <summary>Nothing more is sent after <c>emulator_fault_after</c> events; the connection stays open.</summary>
    Stall,

    /// <summary>A broken <c>data:</c> line is sent after <c>emulator_fault_after</c> events.</summary>
    MalformedSse,

    /// <summary>
    /// After <c>emulator_fault_after</c> events, a 503 error object written as bare JSON inside the SSE body (no
    /// <c>data:</c> field), then the body ends: what the live API was seen to do when overloaded mid-stream.
    /// </summary>
    BareJsonError,

    /// <summary>The interaction ends with status <c>failed</c> and <c>errors</c>.</summary>
    Failed,

    /// <summary>The live <c>interaction.completed</c> event carries no usage.</summary>
    OmitUsage,
}
