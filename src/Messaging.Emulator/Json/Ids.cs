using System.Buffers.Text;
using System.Security.Cryptography;

namespace Messaging.Emulator.Json;

/// <summary>Opaque, URL-safe identifiers shaped like the real API's.</summary>
internal static class Ids
{
    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string Interaction() => "v1_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    public static string FunctionCall() => "call_" + Alphanumeric(12);

    public static string ToolCall(string prefix) => prefix + "_" + Alphanumeric(12);

    public static string Environment() => "env_" + Alphanumeric(16);

    private static string Alphanumeric(int length) => RandomNumberGenerator.GetString(Alphanumerics, length);
}
