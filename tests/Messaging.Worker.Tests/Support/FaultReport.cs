namespace Messaging.Worker.Tests.Support;

/// <summary>
/// Where fault tests print their counts: the test's output, and the file <c>MESSAGING_FAULT_REPORT</c> names
/// (<c>infra/test.sh</c> sets it and prints the file after the run, so CI shows the counts of passing tests too).
/// </summary>
internal static class FaultReport
{
    private static readonly Lock Gate = new();

    public static void Print(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("MESSAGING_FAULT_REPORT") is not { Length: > 0 } path) return;
        lock (Gate) File.AppendAllText(path, line + Environment.NewLine);
    }
}
