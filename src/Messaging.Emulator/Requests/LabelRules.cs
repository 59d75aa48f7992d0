using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>
/// The API's label rules: at most 64 labels; keys 1–63 characters starting with a lowercase
/// letter; values up to 63 characters; only lowercase letters, digits, '_' and '-'.
/// </summary>
internal static partial class LabelRules
{
    private const int MaxLabels = 64;

    public static void Check(JsonNode? labels)
    {
        if (labels is null)
        {
            return;
        }

        if (labels is not JsonObject map)
        {
            throw ApiException.InvalidArgument("'labels' must be an object mapping label keys to string values.");
        }

        if (map.Count > MaxLabels)
        {
            throw ApiException.InvalidArgument($"'labels' holds {map.Count} labels; at most {MaxLabels} are allowed.");
        }

        foreach (var (key, value) in map)
        {
            if (!Key().IsMatch(key))
            {
                throw ApiException.InvalidArgument(
                    $"'labels' key '{key}' is invalid: keys are 1-63 characters, start with a lowercase letter and contain only lowercase letters, digits, '_' and '-'.");
            }

            if (EmulatorJson.Kind(value) != JsonValueKind.String || !Value().IsMatch(value!.GetValue<string>()))
            {
                throw ApiException.InvalidArgument(
                    $"'labels.{key}' is invalid: values are strings of at most 63 lowercase letters, digits, '_' and '-'.");
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Key();

    [GeneratedRegex("^[a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Value();
}
