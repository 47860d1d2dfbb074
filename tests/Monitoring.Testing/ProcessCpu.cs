using System.Globalization;

namespace Monitoring.Testing;

/// <summary>
/// CPU time of processes on this machine, from /proc, for the load runs' "CPU per article" figures: the services under
/// test and the RabbitMQ node they talk to (found by the port it listens on).
/// </summary>
public static class ProcessCpu
{
    /// <summary>User + system CPU seconds the process used so far (/proc/PID/stat, in clock ticks of 1/100 s).</summary>
    public static double Seconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>CPU seconds of the process, or 0 when there is none to measure.</summary>
    public static double Seconds(int? processId) => processId is { } id ? Seconds(id) : 0;

    /// <summary>
    /// The process listening on this TCP port of the machine (for the AMQP port: the RabbitMQ node, beam.smp), found
    /// through the socket's inode in /proc/net/tcp and the processes' open descriptors; null when no process here owns
    /// it (a broker on another machine) or it may not be inspected.
    /// </summary>
    public static int? ListeningOn(int port)
    {
        const string Listen = "0A";
        var sockets = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1];
                if (fields[3] == Listen &&
                    int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    sockets.Add($"socket:[{fields[9]}]");
                }
            }
        }
        if (sockets.Count == 0) return null;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out var id)) continue;
            try
            {
                foreach (var descriptor in Directory.EnumerateFileSystemEntries($"{process}/fd"))
                {
                    if (new FileInfo(descriptor).LinkTarget is { } target && sockets.Contains(target)) return id;
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // a process that ended meanwhile, or one we may not look into
            }
        }
        return null;
    }
}
