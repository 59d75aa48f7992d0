namespace Messaging.Worker.Quotas;

/// <summary>
/// How a window's requests are shared between tenants: max-min fair (water-filling) over what each tenant wants in the
/// window — its requests that were refused in the window before and so wait for this one, or, when more, those it was
/// given plus the one it asks for now. A tenant that wants less than an equal share gets all it wants, and what it leaves
/// goes to the others; so one tenant's backlog cannot starve another's, and a lone tenant gets the whole window.
/// </summary>
internal static class FairShare
{
    /// <summary>One tenant in a window: the places it was given, and its requests that wait for the window.</summary>
    internal readonly record struct Demand(int Admitted, int Waiting);

    /// <summary>True when <paramref name="asking"/> may take one more of the window's <paramref name="limit"/> places.</summary>
    public static bool Admits(int limit, IReadOnlyDictionary<string, Demand> tenants, string asking)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var total = 0;
        foreach (var demand in tenants.Values) total += demand.Admitted;
        if (total >= limit) return false;

        var own = tenants.GetValueOrDefault(asking);
        var wants = new List<int>();
        foreach (var (tenant, demand) in tenants)
            if (tenant != asking) wants.Add(Math.Max(demand.Waiting, demand.Admitted));
        var ownWants = Math.Max(own.Waiting, own.Admitted + 1);
        wants.Add(ownWants);
        return own.Admitted < Math.Min(ownWants, Level(limit, wants));
    }

    // The water level: the share no tenant may exceed while another wants more; every want fits when it is the limit.
    private static int Level(int limit, List<int> wants)
    {
        wants.Sort();
        double left = limit;
        for (var i = 0; i < wants.Count; i++)
        {
            var share = left / (wants.Count - i);
            if (wants[i] > share) return (int)Math.Ceiling(share);
            left -= wants[i];
        }
        return limit;
    }
}
