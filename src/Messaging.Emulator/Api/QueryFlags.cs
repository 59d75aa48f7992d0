namespace Messaging.Emulator.Api;

/// <summary>Reads boolean query parameters (<c>stream</c>, <c>include_input</c>) strictly.</summary>
internal static class QueryFlags
{
    public static bool Read(HttpRequest request, string name)
    {
        var value = request.Query[name].ToString();
        if (value.Length == 0)
        {
            return false;
        }

        if (bool.TryParse(value, out var flag))
        {
            return flag;
        }

        return value switch
        {
            "1" => true,
            "0" => false,
            _ => throw ApiException.InvalidArgument($"Invalid value '{value}' for query parameter '{name}': expected true or false."),
        };
    }
}
