namespace Monitoring.FeedPoller.Conformance;

public static class ConformanceCommand
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) => Task.FromResult(2);
}
