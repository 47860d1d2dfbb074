namespace Monitoring.LoadTest;

/// <summary>Resident memory of a process from /proc: current (VmRSS) and peak (VmHWM), in MB.</summary>
public static class ProcessMemory
{
    public static (double RssMb, double PeakMb) Read(int pid)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:")) rss = Kilobytes(line) / 1024.0;
            else if (line.StartsWith("VmHWM:")) peak = Kilobytes(line) / 1024.0;
        }
        return (Math.Round(rss, 1), Math.Round(peak, 1));
    }

    private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
