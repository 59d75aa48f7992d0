using System.Globalization;
using MassTransit;

namespace Messaging.Worker.Streaming;

/// <summary>
/// A time in a message header as Unix milliseconds: how the worker's wait headers travel (<see cref="RequestWaits.NotBeforeHeader"/>,
/// <c>messaging-quota-waiting-since</c>). Read as a number, a string or UTF-8 bytes (how the broker may hand it back).
/// </summary>
internal static class UnixTimeHeader
{
    /// <summary>The header's time; null when it is absent or not a time.</summary>
    public static DateTimeOffset? Read(Headers headers, string name)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!headers.TryGetHeader(name, out var value)) return null;
        try
        {
            var ms = value switch
            {
                string text => long.Parse(text, CultureInfo.InvariantCulture),
                byte[] bytes => long.Parse(System.Text.Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture),
                _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            };
            return DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, 0, 253_402_300_799_999));
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            return null;
        }
    }
}
