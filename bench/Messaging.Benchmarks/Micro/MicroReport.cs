using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Spectre.Console;

namespace Messaging.Benchmarks.Micro;

/// <summary>Runs the micro-benchmarks in process (short job) and prints the figures from BenchmarkDotNet's results.</summary>
internal static class MicroReport
{
    public static int Run(string root)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "messaging-bench-artifacts"));
        var sse = BenchmarkRunner.Run<SseParserBenchmarks>(config);
        var acc = BenchmarkRunner.Run<AccumulatorBenchmarks>(config);

        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        if (Figures(sse, nameof(SseParserBenchmarks.ReadWholeBody)) is var (sseNs, sseBytes))
        {
            var mbs = SseParserBenchmarks.BodyBytes / (sseNs / 1e9) / 1_000_000;
            var perEvent = sseBytes / (double)SseParserBenchmarks.Events;
            var payloadPerEvent = SseParserBenchmarks.PayloadBytes / (double)SseParserBenchmarks.Events;
            lines.Add(string.Create(inv, $"| SSE parser (InteractionEventReader, {SseParserBenchmarks.Events} step.delta events of ~{payloadPerEvent:0} B) | {mbs:0.0} MB/s; {perEvent:0} B allocated per event | payload {payloadPerEvent:0} B per event | {mbs / 500:0.00}× of 500 MB/s; {perEvent / payloadPerEvent:0.0}× payload | ≥ 500 MB/s, nothing beyond the payload | {(mbs >= 500 && perEvent <= payloadPerEvent * 2 ? "yes" : "**no**")} |"));
        }
        if (Figures(sse, nameof(SseParserBenchmarks.FramingOnly)) is var (frameNs, frameBytes))
        {
            var mbs = SseParserBenchmarks.BodyBytes / (frameNs / 1e9) / 1_000_000;
            lines.Add(string.Create(inv, $"| … of which SSE framing alone (System.Net.ServerSentEvents, no JSON) | {mbs:0.0} MB/s; {frameBytes / (double)SseParserBenchmarks.Events:0} B allocated per event | — | — | profile | — |"));
        }
        if (Figures(acc, nameof(AccumulatorBenchmarks.ApplyStream)) is var (accNs, accBytes))
        {
            lines.Add(string.Create(inv, $"| Accumulator ({AccumulatorBenchmarks.Deltas} text deltas → interaction) | {accNs / AccumulatorBenchmarks.Deltas:0} ns and {accBytes / (double)AccumulatorBenchmarks.Deltas:0} B per delta | — | — | report | — |"));
        }
        var md = string.Join('\n', ["| figure | measured | baseline | ratio | target | met |", "|---|---|---|---|---|---|", .. lines]);
        AnsiConsole.WriteLine(md);
        var output = Path.Combine(root, "bench", "results", $"{DateTime.UtcNow:yyyy-MM-dd-HHmm}-micro.md");
        File.WriteAllText(output, $"# Micro-benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\nCommand: `dotnet run -c Release --project bench/Messaging.Benchmarks -- --micro` (BenchmarkDotNet ShortRun, in process).\n\n{md}\n");
        AnsiConsole.MarkupLine($"[grey]written to {Markup.Escape(output)}[/]");
        return 0;
    }

    private static (double MeanNs, long BytesPerOp)? Figures(Summary summary, string method)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        if (report?.ResultStatistics is null) return null;
        return (report.ResultStatistics.Mean, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0);
    }
}
