using Messaging.Benchmarks;
using Messaging.Benchmarks.Micro;

// One entry point, three roles: the suite (default), the BenchmarkDotNet micro-benchmarks (--micro),
// and a worker replica started by the suite as a separate process (worker).
if (args.Length > 0 && args[0] == "worker") return await WorkerMode.RunAsync(args[1..]);
if (args.Contains("--micro")) return MicroReport.Run(Suite.RepoRoot());
return await Suite.RunAsync(SuiteOptions.Parse(args));
