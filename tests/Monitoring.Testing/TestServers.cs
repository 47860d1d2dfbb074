namespace Monitoring.Testing;

/// <summary>
/// The real PostgreSQL and RabbitMQ the suite runs against, named by the environment that
/// deploy/test.sh sets. A test that needs them fails with this message when they are missing; it is never skipped.
/// </summary>
public static class TestServers
{
    public static string Postgres => Required("MONITORING_POSTGRES");

    public static Uri RabbitMq => new(Required("MONITORING_RABBITMQ"));

    /// <summary>The management API root, e.g. http://guest:guest@127.0.0.1:15672/.</summary>
    public static Uri RabbitMqManagement => new(Required("MONITORING_RABBITMQ_MANAGEMENT"));

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set. Run the suite with deploy/test.sh, which starts throwaway servers and sets it.");

    /// <summary>A short unique name for schemas, virtual hosts and queues of one test class.</summary>
    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The repository root, found from the test assembly's folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Monitoring.sln")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException("Monitoring.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>"Release" or "Debug": whichever the test assembly itself was built in.</summary>
    public static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
}
