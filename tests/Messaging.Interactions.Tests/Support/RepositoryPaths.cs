namespace Messaging.Interactions.Tests.Support;

internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Conformance => Path.Combine(Root, "tests", "conformance");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Messaging.sln not found above " + AppContext.BaseDirectory);
    }
}
