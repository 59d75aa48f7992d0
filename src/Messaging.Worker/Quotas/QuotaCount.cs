using Npgsql;

namespace Messaging.Worker.Quotas;

/// <summary>What the quota stores' failures have in common: the count could not be reached (the database is down or slow).</summary>
internal static class QuotaCount
{
    /// <summary>True for a failure to reach the count, which the admissions answer by waiting and asking again.</summary>
    public static bool IsUnreachable(Exception ex) => ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException;
}
