using System.Collections.Concurrent;

namespace Monitoring.FeedPoller.Scheduling;

/// <summary>
/// Politeness per host: one request at a time, and at least <c>spacing</c> between the end of one and the start of the
/// next. Waiting for a busy host holds nothing else up: each host has its own lane.
/// </summary>
public sealed class HostGate(TimeSpan spacing, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.OrdinalIgnoreCase);

    public async Task<IDisposable> EnterAsync(string host, CancellationToken ct)
    {
        var lane = _lanes.GetOrAdd(host, _ => new Lane());
        await lane.Turn.WaitAsync(ct);
        try
        {
            var wait = lane.NextAllowedAt - clock.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, ct);
        }
        catch
        {
            lane.Turn.Release();
            throw;
        }
        return new Pass(this, lane);
    }

    private void Leave(Lane lane)
    {
        lane.NextAllowedAt = clock.GetUtcNow() + spacing;
        lane.Turn.Release();
    }

    private sealed class Lane
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public DateTimeOffset NextAllowedAt = DateTimeOffset.MinValue;
    }

    private sealed class Pass(HostGate gate, Lane lane) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) gate.Leave(lane);
        }
    }
}
