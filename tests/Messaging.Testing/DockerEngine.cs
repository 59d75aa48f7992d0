namespace Messaging.Testing;

/// <summary>Whether a Docker engine answers here, so Testcontainers can stand in for a service the environment does not give.</summary>
public static class DockerEngine
{
    public static bool Answers() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");
}
