using System.Text;

namespace Messaging.Sagas;

/// <summary>
/// The table's names, resolved and quoted once, so that no SQL statement ever splices an unquoted identifier.
/// </summary>
internal sealed class NpgsqlSagaTable
{
    // PostgreSQL truncates longer identifiers silently; two long names could then meet in one table.
    private const int MaxIdentifierLength = 63;

    private NpgsqlSagaTable(string schema, string name)
    {
        Schema = schema;
        Name = name;
        QuotedSchema = Quote(schema);
        QualifiedName = $"{QuotedSchema}.{Quote(name)}";
        DueAtIndex = Quote(Truncate($"{name}_due_at_idx"));
    }

    public string Schema { get; }

    public string Name { get; }

    /// <summary><c>"schema"</c>, ready for SQL.</summary>
    public string QuotedSchema { get; }

    /// <summary><c>"schema"."table"</c>, ready for SQL.</summary>
    public string QualifiedName { get; }

    /// <summary>The quoted name of the index on <c>due_at</c>.</summary>
    public string DueAtIndex { get; }

    public static NpgsqlSagaTable For(Type sagaType, NpgsqlSagaRepositoryOptions options)
    {
        var name = options.TableName ?? SnakeCase(sagaType.Name);
        Validate(name, nameof(options.TableName));
        Validate(options.Schema, nameof(options.Schema));
        return new NpgsqlSagaTable(options.Schema, name);
    }

    /// <summary><c>ConversationState</c> → <c>conversation_state</c>, <c>HTTPCallState</c> → <c>http_call_state</c>.</summary>
    public static string SnakeCase(string typeName)
    {
        var name = typeName.Split('`')[0];
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var startsWord = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                    || (char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1])));
                if (startsWord) builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    private static void Validate(string identifier, string option)
    {
        if (string.IsNullOrWhiteSpace(identifier))
            throw new ArgumentException($"The saga repository's {option} must not be empty.", option);
        if (Encoding.UTF8.GetByteCount(identifier) > MaxIdentifierLength)
            throw new ArgumentException($"The saga repository's {option} '{identifier}' is longer than PostgreSQL's {MaxIdentifierLength} bytes.", option);
        if (identifier.Contains('\0', StringComparison.Ordinal))
            throw new ArgumentException($"The saga repository's {option} must not contain NUL.", option);
    }

    private static string Truncate(string identifier)
    {
        while (Encoding.UTF8.GetByteCount(identifier) > MaxIdentifierLength) identifier = identifier[..^1];
        return identifier;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
