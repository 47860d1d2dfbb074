using System.Globalization;

namespace Monitoring.Testing;

/// <summary>
/// CPU time used so far (user + system, seconds) from /proc: of one process, or of a process with all its descendants.
/// The servers the load runs talk to are found by the port they listen on (<see cref="ListeningOn"/>), so another
/// engineer's servers on the same machine are not counted. Processes that exited in between are not counted
/// (short-lived database connections).
/// </summary>
public static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds(int pid) => Read(pid)?.Seconds ?? 0;

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

    /// <summary>The process and every descendant it has now.</summary>
    public static double TreeSeconds(int root)
    {
        var all = new Dictionary<int, (int Parent, double Seconds)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Read(pid) is { } stat) all[pid] = (stat.Parent, stat.Seconds);
        var total = 0.0;
        foreach (var (pid, (_, seconds)) in all)
        {
            for (var p = pid; p > 1 && all.TryGetValue(p, out var entry); p = entry.Parent)
            {
                if (p != root) continue;
                total += seconds;
                break;
            }
        }
        return total;
    }

    private static (int Parent, double Seconds)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): comm may contain spaces and parentheses, so
        // split after the last ')'. cutime and cstime hold the CPU of the children it has reaped (PostgreSQL backends that
        // closed): without them a tree's CPU went down when a backend ended.
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        return (int.Parse(fields[1]), (long.Parse(fields[11]) + long.Parse(fields[12]) + long.Parse(fields[13]) + long.Parse(fields[14])) / TicksPerSecond);
    }
}
