namespace Messaging.Benchmarks;

internal static class Stats
{
    /// <summary>The <paramref name="p"/>-th percentile (0–100) by nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

/// <summary>One line of the results table: a measured value against its same-run baseline.</summary>
internal sealed record Row(string Figure, string Measured, string Baseline, string Ratio, string Target, bool? Met);
