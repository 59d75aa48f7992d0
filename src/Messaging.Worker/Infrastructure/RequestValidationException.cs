using Messaging.Contracts;

namespace Messaging.Worker.Infrastructure;

/// <summary>A command failed validation; <see cref="Problems"/> lists every problem found.</summary>
internal sealed class RequestValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RequestValidationException(IReadOnlyList<ValidationProblem> problems)
        : base(Describe(problems)) => Problems = problems;

    /// <summary>Creates the exception.</summary>
    public RequestValidationException() : this([]) { }

    /// <summary>Creates the exception.</summary>
    public RequestValidationException(string message) : base(message) => Problems = [new ValidationProblem("", message)];

    /// <summary>Creates the exception.</summary>
    public RequestValidationException(string message, Exception innerException) : base(message, innerException) =>
        Problems = [new ValidationProblem("", message)];

    /// <summary>The problems, each with the field's path.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; } = [];

    private static string Describe(IReadOnlyList<ValidationProblem> problems) =>
        "The request is invalid: " + string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}"));
}
