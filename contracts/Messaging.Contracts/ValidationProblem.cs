namespace Messaging.Contracts;

/// <summary>One problem of a rejected request: the field (a path such as <c>request.model</c>) and what is wrong.</summary>
/// <param name="Field">The offending field's path.</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record ValidationProblem(string Field, string Message);
