using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Messaging.Deployment.Tests;

/// <summary>
/// No Docker engine runs here, so docker-compose.yml is checked by reading it: the services, their
/// images or Dockerfiles, replicas, health checks and the wiring between them.
/// </summary>
public partial class ComposeFileTests
{
    private static readonly string Root = FindRoot();
    private static readonly YamlMappingNode Services = LoadServices();

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path) node = ((YamlMappingNode)node)[key];
        return ((YamlScalarNode)node).Value!;
    }

    [Fact]
    public void Declares_the_broker_the_database_the_emulator_and_the_worker()
    {
        Assert.Equal(["emulator", "postgres", "rabbitmq", "worker"], Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order());
    }

    [Fact]
    public void Broker_and_database_use_official_images_with_the_management_ui()
    {
        Assert.Matches("^rabbitmq:[0-9.]+-management$", Scalar(Service("rabbitmq"), "image"));
        Assert.Contains(((YamlSequenceNode)Service("rabbitmq")["ports"]).Children, p => ((YamlScalarNode)p).Value!.EndsWith(":15672", StringComparison.Ordinal));
        Assert.Matches("^postgres:[0-9]+$", Scalar(Service("postgres"), "image"));
    }

    [Fact]
    public void Our_services_are_built_from_dockerfiles_that_copy_every_project_they_reference()
    {
        foreach (var (service, project) in new[] { ("emulator", "src/Messaging.Emulator/Messaging.Emulator.csproj"), ("worker", "src/Messaging.Worker/Messaging.Worker.csproj") })
        {
            var dockerfile = File.ReadAllText(Path.Combine(Root, Scalar(Service(service), "build", "dockerfile")));
            foreach (var needed in ProjectClosure(project))
                Assert.Contains($"COPY {Path.GetDirectoryName(needed)!.Replace('\\', '/')}/", dockerfile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Several_worker_replicas_share_the_broker_the_database_and_the_api()
    {
        var worker = Service("worker");
        Assert.True(int.Parse(Scalar(worker, "deploy", "replicas"), System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.False(worker.Children.ContainsKey("ports"), "replicas cannot share a published host port");
        var env = (YamlMappingNode)worker["environment"];
        Assert.Contains("@rabbitmq:5672", Scalar(env, "Bus__RabbitMqUrl"), StringComparison.Ordinal);
        Assert.Contains("Host=postgres", Scalar(env, "ConnectionStrings__Sagas"), StringComparison.Ordinal);
        Assert.Contains("http://emulator:8080", Scalar(env, "Interactions__BaseUrl"), StringComparison.Ordinal);
        Assert.Contains("GEMINI_API_KEY", Scalar(env, "GEMINI_API_KEY"), StringComparison.Ordinal);
        foreach (var dependency in new[] { "rabbitmq", "postgres", "emulator" })
            Assert.Equal("service_healthy", Scalar(worker, "depends_on", dependency, "condition"));
    }

    [Fact]
    public void The_worker_is_given_the_time_to_drain_when_it_is_stopped()
    {
        var grace = Scalar(Service("worker"), "stop_grace_period");
        Assert.EndsWith("s", grace, StringComparison.Ordinal);
        // The worker's default drain (90 s) and hand-over allowance (15 s); Compose's own default is 10 s.
        Assert.True(int.Parse(grace[..^1], System.Globalization.CultureInfo.InvariantCulture) > 90 + 15, $"stop_grace_period {grace} cuts the drain short");
    }

    [Fact]
    public void Every_service_has_a_health_check()
    {
        foreach (var (name, service) in Services.Children)
            Assert.True(((YamlMappingNode)service).Children.ContainsKey("healthcheck"), $"{name} has no healthcheck");
        Assert.Contains("/health/ready", string.Join(" ", ((YamlSequenceNode)Service("worker")["healthcheck"]["test"]).Children), StringComparison.Ordinal);
    }

    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var todo = new Stack<string>([project]);
        while (todo.Count > 0)
        {
            var current = todo.Pop();
            if (!seen.Add(current)) continue;
            var text = File.ReadAllText(Path.Combine(Root, current));
            foreach (Match m in ProjectReference().Matches(text))
            {
                var full = Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(current)!, m.Groups[1].Value));
                todo.Push(Path.GetRelativePath(Root, full).Replace('\\', '/'));
            }
        }
        return seen;
    }

    [GeneratedRegex("<ProjectReference Include=\"([^\"]+)\"")]
    private static partial Regex ProjectReference();

    private static YamlMappingNode LoadServices()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) return dir.FullName;
        throw new InvalidOperationException("Messaging.sln not found");
    }
}
