using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Monitoring.Testing;

/// <summary>
/// One Monitoring service running as it does in production: its own process (<c>dotnet Monitoring.X.dll</c>),
/// configured only through the environment, talking to the others only through RabbitMQ and PostgreSQL.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the service wrote, for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(80));

    /// <summary>Everything the service wrote that is still kept (the last 50,000 lines).</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    /// <param name="service">Folder under services/: "FeedPoller", "Classifier" or "Alerts".</param>
    public static ServiceProcess Start(string service, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var dll = Path.Combine(TestServers.RepositoryRoot, "services", service, "bin", TestServers.BuildConfiguration,
            "net10.0", $"Monitoring.{service}.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built; build Monitoring.sln first", dll);

        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["MONITORING_TELEMETRY"] = "none";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {service}");
        var service1 = new ServiceProcess(service, process, baseAddress);
        process.OutputDataReceived += (_, e) => service1.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service1.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service1;
    }

    /// <summary>Runs a service's command line (e.g. <c>projections rebuild</c>) to its end: exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(string service, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, params string[] arguments)
    {
        await using var process = Start(service, environment, arguments);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process._process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{service} {string.Join(' ', arguments)} did not finish in {timeout}:\n{process.RecentOutput}");
        }
        process._process.WaitForExit(); // flushes the redirected output
        return (process._process.ExitCode, process.RecentOutput);
    }

    /// <summary>Waits until /health/ready answers 200 (the bus is connected and the store answers).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{RecentOutput}");
            try
            {
                using var response = await Http.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout}:\n{RecentOutput}");
    }

    /// <summary>Stops the process at once, as a crash or kill -9 would.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        await Task.CompletedTask;
        Http.Dispose();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 50_000) _output.TryDequeue(out _);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
