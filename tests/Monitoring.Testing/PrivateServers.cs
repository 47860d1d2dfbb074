using System.Diagnostics;

namespace Monitoring.Testing;

/// <summary>
/// A RabbitMQ and a PostgreSQL of one test's own, started with deploy/servers.sh like every other server of the
/// suite, for tests that kill them (kill -9) and start them again without disturbing the tests sharing the
/// suite's servers. Data survives a kill, as it would on a real machine.
/// </summary>
public sealed class PrivateServers : IAsyncDisposable
{
    private readonly string _folder;
    private readonly int _amqpPort;
    private readonly int _managementPort;
    private readonly int _postgresPort;

    private PrivateServers(string folder, int amqpPort, int managementPort, int postgresPort)
    {
        _folder = folder;
        _amqpPort = amqpPort;
        _managementPort = managementPort;
        _postgresPort = postgresPort;
    }

    public string Postgres => $"Host=127.0.0.1;Port={_postgresPort};Username=postgres;Database=monitoring;Timeout=5;Command Timeout=30";
    public Uri RabbitMq => new($"amqp://guest:guest@127.0.0.1:{_amqpPort}/");
    public Uri RabbitMqManagement => new($"http://guest:guest@127.0.0.1:{_managementPort}/");

    public static async Task<PrivateServers> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("monitoring-private").FullName;
        var servers = new PrivateServers(folder, ServiceProcess.FreePort(), ServiceProcess.FreePort(), ServiceProcess.FreePort());
        await servers.ShellAsync($"chmod 755 {folder}"); // PostgreSQL runs as its own user and must reach its folder
        await servers.StartRabbitMqAsync();
        await servers.StartPostgresAsync();
        return servers;
    }

    public Task StartRabbitMqAsync() =>
        // On failure the broker's own logs go into the exception: the folder is deleted with the servers.
        ShellAsync($"start_rabbitmq {_folder}/rabbitmq {_amqpPort} {_managementPort}; " +
                   $"(wait_for_rabbitmq {_folder}/rabbitmq {_amqpPort} {_managementPort}) || " +
                   $"{{ tail -n 40 {_folder}/rabbitmq/server.log {_folder}/rabbitmq/log/*.log >&2; exit 1; }}");

    public Task StartPostgresAsync() => ShellAsync($"start_postgres {_folder}/postgres {_postgresPort} test");

    /// <summary>kill -9 of the broker, as a crash or an OOM kill would do it.</summary>
    public Task KillRabbitMqAsync() => ShellAsync(
        $"pid=$(cat {_folder}/rabbitmq/rabbitmq.pid); kill -9 $pid; while kill -0 $pid 2>/dev/null; do sleep 0.1; done");

    /// <summary>kill -9 of the postmaster and its backends.</summary>
    public Task KillPostgresAsync() => ShellAsync(
        $"pid=$(head -n 1 {_folder}/postgres/data/postmaster.pid); pkill -9 -P $pid; kill -9 $pid; while kill -0 $pid 2>/dev/null; do sleep 0.1; done");

    private async Task ShellAsync(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = TestServers.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($". deploy/servers.sh; find_postgres; {script}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{script}' failed ({process.ExitCode}): {await output}{await error}");
    }

    public async ValueTask DisposeAsync()
    {
        await ShellAsync($"stop_postgres {_folder}/postgres; stop_rabbitmq {_folder}/rabbitmq");
        Directory.Delete(_folder, recursive: true);
    }
}
