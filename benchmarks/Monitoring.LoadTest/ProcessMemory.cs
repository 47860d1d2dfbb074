namespace Monitoring.LoadTest;

/// <summary>
/// Resident memory of a process from /proc, in MB: current (VmRSS), peak (VmHWM), and of the current figure the part in
/// anonymous memory (RssAnon: the GC heap and native allocations) — the rest is mapped files (assemblies, native
/// libraries) and shared memory (the runtime's executable memory, JIT'ed code and stubs, which it maps twice: RssShmem).
/// </summary>
public static class ProcessMemory
{
    public static (double RssMb, double PeakMb, double AnonMb) Read(int pid)
    {
        double rss = 0, peak = 0, anon = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:")) rss = Kilobytes(line) / 1024.0;
            else if (line.StartsWith("VmHWM:")) peak = Kilobytes(line) / 1024.0;
            else if (line.StartsWith("RssAnon:")) anon = Kilobytes(line) / 1024.0;
        }
        return (Math.Round(rss, 1), Math.Round(peak, 1), Math.Round(anon, 1));
    }

    private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
