namespace Messaging.Emulator.Requests;

/// <summary>The content and step type names of the API (reference §5).</summary>
internal static class ApiTypes
{
    public const string Text = "text";
    public const string Image = "image";
    public const string Audio = "audio";
    public const string Video = "video";
    public const string Document = "document";

    public const string UserInput = "user_input";
    public const string ModelOutput = "model_output";
    public const string Thought = "thought";
    public const string FunctionCall = "function_call";
    public const string FunctionResult = "function_result";
    public const string GoogleSearchCall = "google_search_call";
    public const string GoogleSearchResult = "google_search_result";
    public const string CodeExecutionCall = "code_execution_call";
    public const string CodeExecutionResult = "code_execution_result";

    public static readonly string[] ContentTypes = [Text, Image, Audio, Video, Document];

    public static readonly string[] StepTypes =
    [
        UserInput, ModelOutput, Thought, FunctionCall, FunctionResult,
        GoogleSearchCall, GoogleSearchResult, CodeExecutionCall, CodeExecutionResult,
        "url_context_call", "url_context_result", "google_maps_call", "google_maps_result",
        "file_search_call", "file_search_result", "retrieval_call", "retrieval_result",
        "mcp_server_tool_call", "mcp_server_tool_result", "processing_call", "processing_result",
    ];

    public static bool IsContentType(string type) => Array.IndexOf(ContentTypes, type) >= 0;

    public static bool IsStepType(string type) => Array.IndexOf(StepTypes, type) >= 0;

    public static bool IsMedia(string type) => type is Image or Audio or Video or Document;

    /// <summary>Steps the client writes; everything else in a history was issued by the model.</summary>
    public static bool IsClientStep(string type) => type is UserInput or FunctionResult;
}
