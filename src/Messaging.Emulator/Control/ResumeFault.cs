namespace Messaging.Emulator.Control;

/// <summary>
/// How an interaction's resumed stream (<c>GET …?stream=true&amp;last_event_id=…</c>) misbehaves, set at create with
/// <c>emulator_resume_fault</c> (a resume carries no labels of its own): the live API's ways, reproduced.
/// </summary>
internal enum ResumeFault
{
    None,

    /// <summary>400 <c>INVALID_ARGUMENT</c> "Unknown name \"stream\"": the resume is refused, as the live API was seen to.</summary>
    UnknownNameStream,

    /// <summary>The resume replays two events and then goes silent, the connection open.</summary>
    ReplayThenHang,
}
