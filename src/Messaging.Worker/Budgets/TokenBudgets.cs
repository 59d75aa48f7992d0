using System.Globalization;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Quotas;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Budgets;

/// <summary>
/// Token budgets per conversation and per tenant (<see cref="BudgetOptions"/>), for all replicas: before a request calls
/// the API, every budget it counts against must have tokens left in its period, else it is refused
/// (<see cref="InteractionRejected"/> reason <c>over_budget</c>); after each interaction its reported usage is charged. So
/// a turn that crosses its budget while it streams finishes, and the next request — a function-call round's continuation
/// too — is refused. When the count cannot be reached (the database is down) a request waits and asks again each second:
/// never run uncounted.
/// </summary>
internal sealed class TokenBudgets(IOptions<BudgetOptions> options, IBudgetStore store, TimeProvider clock, WorkerTelemetry telemetry,
    ILogger<TokenBudgets> logger)
{
    /// <summary>How long a request waits before it asks again when the count cannot be reached.</summary>
    public static readonly TimeSpan Unreachable = TimeSpan.FromSeconds(1);

    /// <summary>How often a charge is tried before its tokens are given up (logged as an error).</summary>
    private const int ChargeAttempts = 30;

    /// <summary>The first of the request's budgets that is spent, with its figures; null when every one has tokens left (or there is none).</summary>
    public async Task<BudgetFigures?> SpentAsync(string? tenant, Guid conversationId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var (scope, subject, limit) in BudgetsOf(tenant, conversationId))
        {
            var start = limit.PeriodStart(now);
            var used = await CountAsync(() => store.UsedAsync(scope, subject, start, cancellationToken), scope, cancellationToken);
            if (used < limit.Tokens!.Value) continue;
            telemetry.BudgetRefused(scope, tenant);
            return new BudgetFigures
            {
                Scope = scope, Subject = subject, Limit = limit.Tokens.Value, Used = used,
                Period = limit.Period.ToString().ToLowerInvariant(), PeriodStart = start, ResetsAt = limit.NextPeriod(start),
            };
        }
        return null;
    }

    /// <summary>Charges an interaction's reported usage to every budget of the request (and counts it for the tenant's metrics).</summary>
    public async Task ChargeAsync(string? tenant, Guid conversationId, string model, long? tokens)
    {
        if (tokens is not > 0) return;
        telemetry.TenantTokens(tenant, model, tokens.Value);
        var now = clock.GetUtcNow();
        foreach (var (scope, subject, limit) in BudgetsOf(tenant, conversationId))
        {
            var start = limit.PeriodStart(now);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await store.AddAsync(scope, subject, start, tokens.Value, CancellationToken.None);
                    break;
                }
                catch (Exception ex) when (QuotaCount.IsUnreachable(ex) && attempt < ChargeAttempts)
                {
                    logger.LogWarning(ex, "The {Scope} budget of {Subject} cannot be reached to charge {Tokens} tokens; trying again in {Wait}", scope, subject, tokens, Unreachable);
                    await Task.Delay(Unreachable, clock);
                }
                catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
                {
                    logger.LogError(ex, "The {Scope} budget of {Subject} could not be charged {Tokens} tokens after {Attempts} attempts: they are not counted", scope, subject, tokens, attempt);
                    break;
                }
            }
        }
    }

    /// <summary>What a refusal says in words, for <see cref="InteractionRejected.Errors"/>.</summary>
    public static ValidationProblem Describe(BudgetFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var (field, setting) = figures.Scope == Scopes.Tenant ? ("tenant", "Budgets:Tenant") : ("conversationId", "Budgets:Conversation");
        return new ValidationProblem(field, string.Create(CultureInfo.InvariantCulture,
            $"{figures.Scope} {figures.Subject} has used {figures.Used} of its {figures.Limit} tokens this {figures.Period} ({setting}); the budget starts again at {figures.ResetsAt:O}"));
    }

    private IEnumerable<(string Scope, string Subject, BudgetLimit Limit)> BudgetsOf(string? tenant, Guid conversationId)
    {
        var settings = options.Value;
        if (settings.Conversation is { Tokens: not null } conversation)
            yield return (Scopes.Conversation, conversationId.ToString(), conversation);
        if (settings.TenantLimit(tenant) is { Tokens: not null } own) yield return (Scopes.Tenant, tenant!, own);
    }

    private async Task<long> CountAsync(Func<Task<long>> read, string scope, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await read();
            }
            catch (Exception ex) when (QuotaCount.IsUnreachable(ex) && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "The {Scope} budget cannot be reached; the request waits {Wait} and asks again", scope, Unreachable);
                await Task.Delay(Unreachable, clock, cancellationToken);
            }
        }
    }

    /// <summary>The budgets' scopes, as <see cref="BudgetFigures.Scope"/> names them.</summary>
    public static class Scopes
    {
        public const string Conversation = "conversation";
        public const string Tenant = "tenant";
    }
}
