using System.Text.Json;

namespace Messaging.Sagas;

/// <summary>Where and how <c>NpgsqlRepository(...)</c> keeps a saga's instances.</summary>
public sealed class NpgsqlSagaRepositoryOptions
{
    /// <summary>The table; default: the saga type's name in snake case (<c>ConversationState</c> → <c>conversation_state</c>).</summary>
    public string? TableName { get; set; }

    /// <summary>The schema of the table; default <c>public</c>. Created when missing.</summary>
    public string Schema { get; set; } = "public";

    /// <summary>
    /// Serialises the whole instance into the <c>state</c> column; default: System.Text.Json's general defaults
    /// (property names as declared). Every property the saga needs back must be public and settable.
    /// </summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.General);
}
