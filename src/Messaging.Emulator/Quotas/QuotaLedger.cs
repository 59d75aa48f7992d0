using Messaging.Emulator.Api;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Quotas;

/// <summary>
/// Counts creates and tokens against the configured quotas (<see cref="EmulatorOptions.Quotas"/>, and a rule given by a
/// create's labels) and refuses what would pass one, as Gemini does: windows aligned to the clock, days in UTC, runs in
/// progress counted until they end. Every rule a create matches must admit it; then each counts it. One lock: the
/// emulator's creates are few and the counting is a few additions.
/// </summary>
internal sealed class QuotaLedger(IOptions<EmulatorOptions> options, TimeProvider clock)
{
    private const int MaxWindowsKept = 10_000;

    private readonly Lock gate = new();
    private readonly Dictionary<(string ApiKey, string Model, QuotaLimits Limits), Bucket> buckets = [];

    /// <summary>
    /// Admits a create of <paramref name="inputTokens"/> for <paramref name="apiKey"/> and <paramref name="model"/>, or
    /// throws the 429 Gemini answers (<see cref="QuotaRefusal"/>). The lease is ended when the run ends.
    /// </summary>
    public QuotaLease Admit(string apiKey, string model, long inputTokens, QuotaLimits? fromLabels)
    {
        var rules = new List<QuotaLimits>();
        foreach (var rule in options.Value.Quotas)
        {
            if (rule.Matches(apiKey, model) && rule.Limits.Any) rules.Add(rule.Limits);
        }
        if (fromLabels is { Any: true } labelled) rules.Add(labelled);
        if (rules.Count == 0) return QuotaLease.None;

        lock (gate)
        {
            // Read under the lock: a time read before it could be older than one another thread already counted with,
            // and move a window back.
            var now = clock.GetUtcNow();
            var matched = rules.Distinct().Select(limits => BucketFor(apiKey, model, limits, now)).ToList();
            var violations = matched.SelectMany(bucket => bucket.Violations(inputTokens, now)).ToList();
            if (violations.Count > 0)
            {
                foreach (var bucket in matched.Where(b => violations.Any(v => v.Bucket == b))) bucket.Refuse();
                throw QuotaRefusal.Of(violations, model);
            }

            foreach (var bucket in matched) bucket.Admit(inputTokens);
            return new QuotaLease(this, matched);
        }
    }

    /// <summary>What every bucket has counted so far.</summary>
    public QuotaReport Report()
    {
        lock (gate)
        {
            return new QuotaReport(buckets.Values.Select(static b => b.Report()).ToList());
        }
    }

    internal void End(IReadOnlyList<Bucket> ended, long tokens)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            foreach (var bucket in ended) bucket.End(tokens, now);
        }
    }

    private Bucket BucketFor(string apiKey, string model, QuotaLimits limits, DateTimeOffset now)
    {
        if (!buckets.TryGetValue((apiKey, model, limits), out var bucket))
        {
            bucket = new Bucket(apiKey, model, limits);
            buckets.Add((apiKey, model, limits), bucket);
        }
        bucket.Roll(now);
        return bucket;
    }

    /// <summary>The counts of one rule for one key and model. Guarded by the ledger's lock.</summary>
    internal sealed class Bucket(string apiKey, string model, QuotaLimits limits)
    {
        private readonly List<QuotaWindowReport> windows = [];
        private DateTimeOffset windowStart = DateTimeOffset.MinValue;
        private int windowRequests;
        private long windowTokens;
        private int windowRefused;
        private DateTimeOffset day = DateTimeOffset.MinValue;
        private int dayRequests;
        private long dayTokens;
        private int concurrent;
        private int peakConcurrent;
        private int refused;

        public QuotaLimits Limits => limits;

        public void Roll(DateTimeOffset now)
        {
            var ticks = limits.Window.Ticks;
            var start = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % ticks), TimeSpan.Zero);
            if (start > windowStart)
            {
                Close();
                windowStart = start;
                windowRequests = 0;
                windowTokens = 0;
                windowRefused = 0;
            }

            var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            if (today > day)
            {
                day = today;
                dayRequests = 0;
                dayTokens = 0;
            }
        }

        public IEnumerable<QuotaViolation> Violations(long inputTokens, DateTimeOffset now)
        {
            var windowLeft = windowStart + limits.Window - now;
            var dayLeft = day.AddDays(1) - now;
            if (limits.RequestsPerDay is { } perDay && dayRequests + 1 > perDay)
                yield return new QuotaViolation(this, QuotaKind.RequestsPerDay, perDay, dayLeft);
            if (limits.TokensPerDay is { } tokensPerDay && dayTokens + inputTokens > tokensPerDay)
                yield return new QuotaViolation(this, QuotaKind.TokensPerDay, tokensPerDay, dayLeft);
            if (limits.RequestsPerWindow is { } perWindow && windowRequests + 1 > perWindow)
                yield return new QuotaViolation(this, QuotaKind.RequestsPerWindow, perWindow, windowLeft);
            // A window with nothing charged yet admits one create however large, as Gemini lets a prompt over the
            // per-minute token limit through on its own: otherwise it could never run.
            if (limits.TokensPerWindow is { } tokensPerWindow && windowTokens > 0 && windowTokens + inputTokens > tokensPerWindow)
                yield return new QuotaViolation(this, QuotaKind.TokensPerWindow, tokensPerWindow, windowLeft);
            if (limits.ConcurrentRequests is { } running && concurrent + 1 > running)
                yield return new QuotaViolation(this, QuotaKind.ConcurrentRequests, running, TimeSpan.FromSeconds(1));
        }

        public void Refuse()
        {
            refused++;
            windowRefused++;
        }

        public void Admit(long inputTokens)
        {
            windowRequests++;
            windowTokens += inputTokens;
            dayRequests++;
            dayTokens += inputTokens;
            concurrent++;
            peakConcurrent = Math.Max(peakConcurrent, concurrent);
        }

        public void End(long tokens, DateTimeOffset now)
        {
            Roll(now);
            windowTokens += tokens;
            dayTokens += tokens;
            concurrent--;
        }

        public QuotaBucketReport Report()
        {
            var all = new List<QuotaWindowReport>(windows);
            if (windowStart != DateTimeOffset.MinValue && (windowRequests > 0 || windowTokens > 0 || windowRefused > 0))
                all.Add(new QuotaWindowReport(windowStart, windowRequests, windowTokens, windowRefused));
            return new QuotaBucketReport(apiKey, model, limits.RequestsPerWindow, limits.TokensPerWindow, limits.WindowSeconds,
                limits.RequestsPerDay, limits.TokensPerDay, limits.ConcurrentRequests, all, peakConcurrent, refused);
        }

        private void Close()
        {
            if (windowStart == DateTimeOffset.MinValue || (windowRequests == 0 && windowTokens == 0 && windowRefused == 0)) return;
            if (windows.Count == MaxWindowsKept) windows.RemoveAt(0);
            windows.Add(new QuotaWindowReport(windowStart, windowRequests, windowTokens, windowRefused));
        }
    }
}

/// <summary>A create admitted by the quotas; ended (its tokens charged, its slot freed) when its run ends.</summary>
internal sealed class QuotaLease
{
    public static readonly QuotaLease None = new(null, []);

    private readonly QuotaLedger? ledger;
    private readonly IReadOnlyList<QuotaLedger.Bucket> buckets;
    private int ended;

    internal QuotaLease(QuotaLedger? ledger, IReadOnlyList<QuotaLedger.Bucket> buckets)
    {
        this.ledger = ledger;
        this.buckets = buckets;
    }

    /// <summary>Charges the run's output and thought tokens and frees its place among the concurrent ones; once.</summary>
    public void End(long tokens)
    {
        if (ledger is null || Interlocked.Exchange(ref ended, 1) == 1) return;
        ledger.End(buckets, tokens);
    }
}

/// <summary>Which limit a create would pass.</summary>
internal enum QuotaKind
{
    RequestsPerWindow,
    TokensPerWindow,
    RequestsPerDay,
    TokensPerDay,
    ConcurrentRequests,
}

/// <summary>One limit a create would pass, and how long until it would not.</summary>
internal sealed record QuotaViolation(QuotaLedger.Bucket Bucket, QuotaKind Kind, long Limit, TimeSpan RetryIn);
