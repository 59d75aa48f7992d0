namespace Messaging.Sagas;

/// <summary>
/// One reading of <see cref="IDueSaga.DueAt"/> for every finder: PostgreSQL's <c>timestamptz</c> takes only UTC, and
/// a time deserialised without an offset has an unspecified kind although the contract says it is UTC.
/// </summary>
internal static class DueTime
{
    public static DateTime AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
