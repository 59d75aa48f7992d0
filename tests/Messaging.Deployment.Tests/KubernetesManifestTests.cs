using YamlDotNet.RepresentationModel;

namespace Messaging.Deployment.Tests;

/// <summary>infra/k8s: the worker Deployment and its KEDA scaling, checked by reading them (no cluster here).</summary>
public class KubernetesManifestTests
{
    private static readonly string K8s = Path.Combine(FindRoot(), "infra", "k8s");

    private static List<YamlMappingNode> Documents(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(K8s, file));
        yaml.Load(reader);
        return yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path) node = ((YamlMappingNode)node)[key];
        return ((YamlScalarNode)node).Value!;
    }

    [Fact]
    public void The_worker_probes_its_health_endpoints_and_takes_secrets_from_a_secret()
    {
        var deployment = Assert.Single(Documents("worker.yaml"));
        var container = (YamlMappingNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"]).Children[0];

        Assert.Equal("/health/ready", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Scalar(container, "livenessProbe", "httpGet", "path"));
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        Assert.Equal("messaging-secrets", Scalar(env["GEMINI_API_KEY"], "valueFrom", "secretKeyRef", "name"));
        Assert.Equal("messaging-secrets", Scalar(env["Bus__RabbitMqUrl"], "valueFrom", "secretKeyRef", "name"));
    }

    [Fact]
    public void The_grace_period_covers_the_drain_and_the_hand_over_after_it()
    {
        var deployment = Assert.Single(Documents("worker.yaml"));
        var pod = (YamlMappingNode)deployment["spec"]["template"]["spec"];
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children[0];
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));

        var grace = TimeSpan.FromSeconds(int.Parse(Scalar(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture));
        var drain = TimeSpan.Parse(Scalar(env["Worker__DrainTimeout"], "value"), System.Globalization.CultureInfo.InvariantCulture);
        var handOver = TimeSpan.FromSeconds(15); // WorkerOptions.HandOverAllowance: the host waits this long after the drain

        Assert.True(drain + handOver < grace, $"a drain of {drain} and a hand-over of {handOver} do not fit a grace of {grace}");
    }

    [Fact]
    public void The_memory_limit_holds_the_largest_accepted_request_and_a_prefetch_of_them()
    {
        var deployment = Assert.Single(Documents("worker.yaml"));
        var container = (YamlMappingNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"]).Children[0];
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        var limit = Scalar(container, "resources", "limits", "memory");
        Assert.EndsWith("Gi", limit, StringComparison.Ordinal);

        // As the worker computes it (Streaming/MemoryBudget): .NET takes 75 % of the container, the budget 40 % of that,
        // a running request 3 × its size + its stream overhead; the small lane prefetches the stream limit of requests up to
        // 64 KiB (RequestLanes.SmallRequestBytes), the work queue what the rest of the budget holds of the largest request.
        var heap = long.Parse(limit[..^2], System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024 * 1024 * 3 / 4;
        var budget = (long)(heap * 0.4);
        var maxRequest = long.Parse(Scalar(env["Worker__MaxRequestBytes"], "value"), System.Globalization.CultureInfo.InvariantCulture);
        var streams = int.Parse(Scalar(env["Worker__MaxConcurrentStreams"], "value"), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(maxRequest * 3 + 128 * 1024 <= budget, $"a {maxRequest}-byte request cannot run in a {budget}-byte budget");
        var smallLane = streams * 64L * 1024;
        var prefetch = Math.Clamp((budget - smallLane) / maxRequest, 1, streams);
        Assert.True(prefetch >= 8, $"a work-queue prefetch of {prefetch} starves the replica of large requests");
        Assert.True(heap - budget >= prefetch * maxRequest + smallLane, "the prefetched messages do not fit beside the budget");
    }

    [Fact]
    public void Keda_scales_the_worker_on_the_depth_of_both_lanes()
    {
        var scaled = Documents("keda.yaml").Single(d => Scalar(d, "kind") == "ScaledObject");
        var deployment = Assert.Single(Documents("worker.yaml"));

        Assert.Equal(Scalar(deployment, "metadata", "name"), Scalar(scaled, "spec", "scaleTargetRef", "name"));
        var triggers = ((YamlSequenceNode)scaled["spec"]["triggers"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.All(triggers, t => Assert.Equal("rabbitmq", Scalar(t, "type")));
        Assert.All(triggers, t => Assert.Equal("QueueLength", Scalar(t, "metadata", "mode")));
        // Both lanes: the small one and the work queue.
        Assert.Equal(["interaction-requested", "interaction-requested-small"], triggers.Select(t => Scalar(t, "metadata", "queueName")).Order());
        Assert.True(int.Parse(Scalar(scaled, "spec", "minReplicaCount"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) return dir.FullName;
        throw new InvalidOperationException("Messaging.sln not found");
    }
}
