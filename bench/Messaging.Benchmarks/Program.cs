using Messaging.Benchmarks;
using Messaging.Benchmarks.Micro;

// One entry point, three roles: the suite (default), the BenchmarkDotNet micro-benchmarks (--micro),
// and a worker replica started by the suite as a separate process (worker).
if (args.Length > 0 && args[0] == "worker") return await WorkerMode.RunAsync(args[1..]);
if (args.Contains("--micro")) return MicroReport.Run(Suite.RepoRoot());
if (args.Contains("--probe-confirms"))
{
    var url = new Uri(Environment.GetEnvironmentVariable("RABBITMQ_URL") ?? "amqp://guest:guest@127.0.0.1:5679/");
    foreach (var persistent in new[] { true, false })
    {
        var t = await RawRabbit.ConfirmRoundTripAsync(url, "bench-probe", 300, persistent);
        Console.WriteLine(FormattableString.Invariant($"{(persistent ? "persistent" : "transient")}: publish+confirm p50 {Stats.Percentile(t, 50):0.00} ms, p99 {Stats.Percentile(t, 99):0.00} ms"));
    }
    return 0;
}
return await Suite.RunAsync(SuiteOptions.Parse(args));
