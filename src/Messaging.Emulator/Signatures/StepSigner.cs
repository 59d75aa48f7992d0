using System.Text.Json.Nodes;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Signatures;

/// <summary>
/// Signs and verifies the signatures the model attaches to steps.
/// A thought signature is <c>base64(version ‖ digest ‖ HMAC(version ‖ digest))</c> where the digest
/// covers the canonical JSON of the thought (without its signature) and of every model step issued
/// after it in the same turn: a client that alters any of those steps, or the signature itself,
/// is caught when it resends the history. Tool steps carry their own signature over themselves.
/// </summary>
internal sealed class StepSigner(SigningKey key)
{
    private const byte ThoughtVersion = 0x12;
    private const byte ToolStepVersion = 0x22;
    private const int DigestLength = 32;
    private const int MacLength = 32;
    private const string SignatureMember = "signature";

    public string SignThought(JsonObject thought, IReadOnlyList<JsonObject> turnSteps) =>
        Sign(ThoughtVersion, ThoughtDigest(thought, turnSteps));

    public SignatureCheck VerifyThought(string signature, JsonObject thought, IReadOnlyList<JsonObject> turnSteps)
    {
        if (!TryOpen(signature, ThoughtVersion, out var digest))
        {
            return SignatureCheck.Forged;
        }

        return digest.AsSpan().SequenceEqual(ThoughtDigest(thought, turnSteps))
            ? SignatureCheck.Valid
            : SignatureCheck.ContentChanged;
    }

    public string SignToolStep(JsonObject step) =>
        Sign(ToolStepVersion, CanonicalJson.Digest([step], SignatureMember));

    public SignatureCheck VerifyToolStep(string signature, JsonObject step)
    {
        if (!TryOpen(signature, ToolStepVersion, out var digest))
        {
            return SignatureCheck.Forged;
        }

        return digest.AsSpan().SequenceEqual(CanonicalJson.Digest([step], SignatureMember))
            ? SignatureCheck.Valid
            : SignatureCheck.ContentChanged;
    }

    private static byte[] ThoughtDigest(JsonObject thought, IReadOnlyList<JsonObject> turnSteps)
    {
        var withoutSignature = thought.DeepClone().AsObject();
        withoutSignature.Remove(SignatureMember);
        var nodes = new List<JsonNode?>(turnSteps.Count + 1) { withoutSignature };
        nodes.AddRange(turnSteps);
        return CanonicalJson.Digest(nodes);
    }

    private string Sign(byte version, byte[] digest)
    {
        var payload = new byte[1 + DigestLength];
        payload[0] = version;
        digest.CopyTo(payload, 1);
        var mac = key.Mac(payload);
        var signed = new byte[payload.Length + MacLength];
        payload.CopyTo(signed, 0);
        mac.CopyTo(signed, payload.Length);
        return Convert.ToBase64String(signed);
    }

    private bool TryOpen(string signature, byte version, out byte[] digest)
    {
        digest = [];
        var bytes = new byte[1 + DigestLength + MacLength];
        if (!Convert.TryFromBase64String(signature, bytes, out var written) || written != bytes.Length || bytes[0] != version)
        {
            return false;
        }

        var payload = bytes.AsSpan(0, 1 + DigestLength);
        if (!key.Verify(payload, bytes.AsSpan(1 + DigestLength)))
        {
            return false;
        }

        digest = payload[1..].ToArray();
        return true;
    }
}
