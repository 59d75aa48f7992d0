using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Messaging.Emulator.Api;

namespace Messaging.Emulator.Control;

/// <summary>
/// Decides whether a fault strikes this attempt. Attempts are counted per identical request
/// (method, path, query, <c>x-emulator-*</c> headers and body), so a client that retries the same
/// request sees <c>emulator_fault_count</c> failures and then a success.
/// </summary>
internal sealed class FaultGate
{
    private readonly ConcurrentDictionary<string, int> attempts = new(StringComparer.Ordinal);

    /// <summary>
    /// Returns the controls to run with: HTTP faults are thrown here as API errors; other faults are
    /// returned for the run or the stream writer; an attempt past the fault count runs clean.
    /// </summary>
    public EmulatorControls Apply(HttpContext context, byte[] body, EmulatorControls controls)
    {
        if (controls.Fault == FaultKind.None)
        {
            return controls;
        }

        if (controls.FaultCount is { } failures)
        {
            var attempt = attempts.AddOrUpdate(AttemptKey(context, body), 1, static (_, count) => count + 1);
            if (attempt > failures)
            {
                return controls.WithoutFault();
            }
        }

        return controls.Fault switch
        {
            FaultKind.RateLimit => throw ApiException.ResourceExhausted(
                "Resource has been exhausted (e.g. check quota). Injected by the emulator (emulator_fault=rate_limit).",
                controls.RetryAfterSeconds),
            FaultKind.ServerError => throw ApiException.Unavailable(
                "The model is overloaded. Please try again later. Injected by the emulator (emulator_fault=server_error).",
                controls.RetryAfterGiven ? controls.RetryAfterSeconds : null),
            FaultKind.BadRequest => throw ApiException.InvalidArgument(
                "Request contains an invalid argument. Injected by the emulator (emulator_fault=bad_request)."),
            _ => controls,
        };
    }

    private static string AttemptKey(HttpContext context, byte[] body)
    {
        var request = context.Request;
        var identity = new StringBuilder()
            .Append(request.Method).Append(' ').Append(request.Path.Value).Append(request.QueryString.Value).Append('\n');
        foreach (var header in request.Headers.OrderBy(static h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (header.Key.StartsWith("x-emulator-", StringComparison.OrdinalIgnoreCase))
            {
                identity.Append(header.Key.ToLowerInvariant()).Append(':').Append(header.Value.ToString()).Append('\n');
            }
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(identity.ToString()));
        hash.AppendData(body);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
