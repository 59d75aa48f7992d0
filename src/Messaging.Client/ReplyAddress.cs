namespace Messaging.Client;

/// <summary>
/// Where a request's events are sent as well as to their exchanges (<c>InteractionRequested.ReplyTo</c>): a queue, reached
/// through the default exchange, or an exchange. Written as the queue's name, <c>queue:name</c> or <c>exchange:name</c>
/// (MassTransit's short addresses).
/// </summary>
public sealed record ReplyAddress
{
    private ReplyAddress(bool isExchange, string name) => (IsExchange, Name) = (isExchange, name);

    /// <summary>True for an exchange, false for a queue.</summary>
    public bool IsExchange { get; }

    /// <summary>The queue's or the exchange's name.</summary>
    public string Name { get; }

    /// <summary>A queue.</summary>
    public static ReplyAddress Queue(string name) => Parse(name) is { IsExchange: false } queue ? queue : throw new ArgumentException($"not a queue name: {name}", nameof(name));

    /// <summary>The address MassTransit sends to (<c>queue:name</c> or <c>exchange:name</c>).</summary>
    public Uri ToUri() => new((IsExchange ? "exchange:" : "queue:") + Name);

    /// <inheritdoc />
    public override string ToString() => (IsExchange ? "exchange:" : "queue:") + Name;

    /// <summary>Reads <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ReplyAddress Parse(string text) => TryParse(text, out var address, out var problem) ? address : throw new FormatException(problem);

    /// <summary>Reads <paramref name="text"/>, or says in <paramref name="problem"/> what is wrong with it.</summary>
    public static bool TryParse(string? text, out ReplyAddress address, out string problem)
    {
        address = null!;
        problem = "";
        if (string.IsNullOrEmpty(text))
        {
            problem = "must name a queue (its name, or queue:name) or an exchange (exchange:name), or be left out";
            return false;
        }
        var isExchange = text.StartsWith("exchange:", StringComparison.Ordinal);
        var name = isExchange ? text["exchange:".Length..] : text.StartsWith("queue:", StringComparison.Ordinal) ? text["queue:".Length..] : text;
        if (name.Length is 0 or > 255)
            problem = $"names a {(isExchange ? "exchange" : "queue")} of {name.Length} characters; RabbitMQ takes 1 to 255";
        else if (name.Any(char.IsControl) || name.Contains(' ', StringComparison.Ordinal))
            problem = "must not contain spaces or control characters";
        else if (name.StartsWith("amq.", StringComparison.Ordinal))
            problem = "must not name one of the broker's own amq.* queues or exchanges";
        if (problem.Length > 0) return false;
        address = new ReplyAddress(isExchange, name);
        return true;
    }
}
