namespace Messaging.Cli.Requests;

/// <summary>What the user asked for on the command line, before it becomes an API create body.</summary>
internal sealed record AskOptions
{
    public required string Prompt { get; init; }
    public string Model { get; init; } = "gemini-3.5-flash";
    public string? Agent { get; init; }
    public string? Environment { get; init; }
    public string? Previous { get; init; }
    public bool NoStore { get; init; }
    public IReadOnlyList<FileInfo> Attachments { get; init; } = [];
    public FileInfo? Schema { get; init; }
    public IReadOnlyList<string> Tools { get; init; } = [];
    public bool Background { get; init; }
    public string? SystemInstruction { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
