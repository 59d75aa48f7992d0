using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Signatures;

namespace Messaging.Emulator.Conversation;

/// <summary>
/// Checks a resent history the way the API's "signatures for backend validation" do: every model
/// step must come back exactly as issued, covered by the signature of the thought that opened its
/// turn, and every <c>function_result</c> must answer a call the model made.
/// A turn runs from a thought to the next thought or <c>user_input</c>; <c>function_result</c>
/// steps may sit inside it (some SDK samples append each result right after its call).
/// </summary>
internal sealed class HistoryVerifier(StepSigner signer)
{
    public void Verify(IReadOnlyList<JsonObject> input, IReadOnlyList<JsonObject> history)
    {
        VerifyModelSteps(input);
        VerifyFunctionResults(input, history);
    }

    private void VerifyModelSteps(IReadOnlyList<JsonObject> input)
    {
        var thoughtIndex = -1;
        var turn = new List<JsonObject>();
        for (var i = 0; i < input.Count; i++)
        {
            var step = input[i];
            var type = EmulatorJson.TypeOf(step);
            switch (type)
            {
                case ApiTypes.Thought:
                    CloseTurn(input, thoughtIndex, turn);
                    thoughtIndex = i;
                    turn = [];
                    break;
                case ApiTypes.UserInput:
                    CloseTurn(input, thoughtIndex, turn);
                    thoughtIndex = -1;
                    turn = [];
                    break;
                case ApiTypes.FunctionResult:
                    break;
                default:
                    VerifyToolSignature(step, i);
                    if (thoughtIndex >= 0)
                    {
                        turn.Add(step);
                    }
                    else if (type != ApiTypes.ModelOutput)
                    {
                        // A bare model_output is accepted as a client-written example turn; anything else claims to be the model's.
                        throw ApiException.InvalidArgument(
                            $"'input[{i}]' ({type}) was not issued by the model: resend model steps exactly as received, together with the thought step (and its signature) that opened their turn.");
                    }

                    break;
            }
        }

        CloseTurn(input, thoughtIndex, turn);
    }

    private void CloseTurn(IReadOnlyList<JsonObject> input, int thoughtIndex, List<JsonObject> turn)
    {
        if (thoughtIndex < 0)
        {
            return;
        }

        var thought = input[thoughtIndex];
        var signature = EmulatorJson.StringOrNull(thought["signature"])
            ?? throw ApiException.InvalidArgument(
                $"'input[{thoughtIndex}].signature' is missing: resend the thought step exactly as received, signature included.");

        switch (signer.VerifyThought(signature, thought, turn))
        {
            case SignatureCheck.Forged:
                throw ApiException.InvalidArgument(
                    $"'input[{thoughtIndex}].signature': the thought signature is not valid (it was altered, or was not issued by this server).");
            case SignatureCheck.ContentChanged:
                throw ApiException.InvalidArgument(
                    $"'input': the model steps that follow the thought at input[{thoughtIndex}] differ from what the model returned; resend every model step (thought, function_call, model_output, tool steps) exactly as received.");
        }
    }

    private void VerifyToolSignature(JsonObject step, int index)
    {
        if (EmulatorJson.StringOrNull(step["signature"]) is not { } signature)
        {
            return;
        }

        switch (signer.VerifyToolStep(signature, step))
        {
            case SignatureCheck.Forged:
                throw ApiException.InvalidArgument($"'input[{index}].signature': the step signature is not valid (it was altered, or was not issued by this server).");
            case SignatureCheck.ContentChanged:
                throw ApiException.InvalidArgument($"'input[{index}]': the {EmulatorJson.TypeOf(step)} step differs from what the model returned; resend it exactly as received.");
        }
    }

    private static void VerifyFunctionResults(IReadOnlyList<JsonObject> input, IReadOnlyList<JsonObject> history)
    {
        var issued = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in history)
        {
            AddCall(issued, step);
        }

        for (var i = 0; i < input.Count; i++)
        {
            var step = input[i];
            AddCall(issued, step);
            if (EmulatorJson.TypeOf(step) == ApiTypes.FunctionResult)
            {
                var callId = EmulatorJson.StringOrNull(step["call_id"]) ?? string.Empty;
                if (!issued.Contains(callId))
                {
                    throw ApiException.InvalidArgument(
                        $"'input[{i}].call_id' '{callId}' does not match any function_call the model issued in this conversation.");
                }
            }
        }
    }

    private static void AddCall(HashSet<string> issued, JsonObject step)
    {
        if (EmulatorJson.TypeOf(step) == ApiTypes.FunctionCall && EmulatorJson.StringOrNull(step["id"]) is { } id)
        {
            issued.Add(id);
        }
    }
}
