namespace Messaging.Emulator.Signatures;

/// <summary>Outcome of checking a signature against the steps it covers.</summary>
internal enum SignatureCheck
{
    Valid,

    /// <summary>Not a signature this server issued (tampered, truncated or foreign).</summary>
    Forged,

    /// <summary>A genuine signature, but the steps it covers were changed.</summary>
    ContentChanged,
}
