using Messaging.Worker.Quotas;
using Demand = Messaging.Worker.Quotas.FairShare.Demand;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>How a window's places are shared between tenants: fair while several wait, all of it to one that waits alone.</summary>
public sealed class FairShareTests
{
    [Fact]
    public void A_lone_tenant_takes_the_whole_window()
    {
        var tenants = new Dictionary<string, Demand> { ["a"] = new(9, 40) };

        Assert.True(FairShare.Admits(10, tenants, "a"));
        Assert.False(FairShare.Admits(10, new Dictionary<string, Demand> { ["a"] = new(10, 40) }, "a"));
    }

    [Fact]
    public void Two_tenants_with_backlogs_take_half_each()
    {
        var tenants = new Dictionary<string, Demand> { ["a"] = new(5, 40), ["b"] = new(0, 10) };

        Assert.False(FairShare.Admits(10, tenants, "a")); // its half is taken: b waits
        Assert.True(FairShare.Admits(10, tenants, "b"));
    }

    [Fact]
    public void What_a_small_tenant_does_not_want_goes_to_the_other()
    {
        // b wants 2 of the 10: a may take the other 8.
        var tenants = new Dictionary<string, Demand> { ["a"] = new(7, 40), ["b"] = new(2, 2) };

        Assert.True(FairShare.Admits(10, tenants, "a"));
        Assert.False(FairShare.Admits(10, new Dictionary<string, Demand> { ["a"] = new(8, 40), ["b"] = new(2, 2) }, "a"));
    }

    [Fact]
    public void A_newcomer_gets_a_place_while_a_backlog_fills_the_window()
    {
        var tenants = new Dictionary<string, Demand> { ["a"] = new(6, 40) };

        Assert.True(FairShare.Admits(10, tenants, "c")); // it wants one: less than an equal share
    }

    [Fact]
    public void Three_tenants_share_a_window_that_does_not_divide_evenly_without_exceeding_it()
    {
        var tenants = new Dictionary<string, Demand> { ["a"] = new(0, 20), ["b"] = new(0, 20), ["c"] = new(0, 20) };
        var order = new[] { "a", "b", "c" };
        var admitted = 0;
        for (var round = 0; round < 10; round++)
            foreach (var tenant in order)
                if (FairShare.Admits(10, tenants, tenant))
                {
                    tenants[tenant] = tenants[tenant] with { Admitted = tenants[tenant].Admitted + 1 };
                    admitted++;
                }

        Assert.Equal(10, admitted);
        Assert.All(tenants.Values, t => Assert.InRange(t.Admitted, 3, 4));
    }

    [Fact]
    public void A_full_window_admits_no_one()
    {
        Assert.False(FairShare.Admits(4, new Dictionary<string, Demand> { ["a"] = new(2, 0), ["b"] = new(2, 0) }, "c"));
    }
}
