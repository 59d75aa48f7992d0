using FluentValidation;
using Mediator;
using Messaging.Contracts;

namespace Messaging.Worker.Infrastructure;

/// <summary>
/// Runs every FluentValidation validator of a command before its handler; any failure stops the command
/// with a <see cref="RequestValidationException"/> that lists all of them, not just the first.
/// </summary>
internal sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var problems = new List<ValidationProblem>();
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            problems.AddRange(result.Errors.Select(e => new ValidationProblem(e.PropertyName, e.ErrorMessage)));
        }
        if (problems.Count > 0) throw new RequestValidationException(problems);
        return await next(message, cancellationToken);
    }
}
