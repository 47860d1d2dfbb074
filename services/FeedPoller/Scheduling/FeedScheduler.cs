using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Monitoring.FeedPoller.Polling;
using Monitoring.FeedPoller.Registry;
using Monitoring.Hosting;

namespace Monitoring.FeedPoller.Scheduling;

/// <summary>
/// Runs every feed's polls at its own due time, sharing the feeds with the other replicas on the same schema through
/// <see cref="FeedLeases"/>: it claims the due feeds of the hosts dealt to it (and any left waiting), polls each in its host's lane (one request per host,
/// spaced) with a bound on polls in flight over all hosts, and gives each back when done. Wakes when a feed is due or
/// another replica's lease runs out, early when this replica's API changes a feed, and looks again at least every
/// <see cref="RescanEvery"/> for changes made through other replicas.
/// </summary>
public sealed class FeedScheduler : BackgroundService
{
    /// <summary>The longest a feed added, resumed or asked to poll through another replica waits to be seen here.</summary>
    public static readonly TimeSpan RescanEvery = TimeSpan.FromSeconds(5);

    /// <summary>How soon to look again at a due feed this replica did not claim (another replica's host, or one being polled).</summary>
    private static readonly TimeSpan LookAgain = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private static readonly Counter<long> Takeovers = MonitoringTelemetry.Meter.CreateCounter<long>(
        "monitoring.feedpoller.takeovers", description: "Feeds claimed after another replica's lease on them ran out");

    private readonly FeedRegistry _registry;
    private readonly FeedStore _store;
    private readonly FeedLeases _leases;
    private readonly FeedPolling _polling;
    private readonly HostGate _hosts;
    private readonly FeedPollerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<FeedScheduler> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, byte> _held = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public FeedScheduler(FeedRegistry registry, FeedStore store, FeedLeases leases, FeedPolling polling, HostGate hosts, FeedPollerOptions options,
        TimeProvider clock, ILogger<FeedScheduler> logger)
    {
        (_registry, _store, _leases, _polling, _hosts, _options, _clock, _logger) = (registry, store, leases, polling, hosts, options, clock, logger);
        _slots = new SemaphoreSlim(options.Concurrency);
        registry.Changed += (_, _) => Wake();
    }

    /// <summary>Feeds claimed but not yet polled and given back: waiting in a host's lane, or being polled.</summary>
    private int ClaimLimit => _options.Concurrency * 4;

    private void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await OpenWithRetryAsync(stoppingToken);
        FeedPollerLog.ReplicaStarted(_logger, _options.Replica, _options.Lease);
        // Registered before the first claim, so the hosts are dealt to this replica too from the start.
        await BeatAsync(stoppingToken);
        var heartbeat = HeartbeatAsync(stoppingToken);
        var lastPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = RescanEvery;
            try
            {
                var now = _clock.GetUtcNow();
                var room = ClaimLimit - _held.Count;
                var claimed = room > 0 ? await _leases.ClaimAsync(_held.Keys.ToList(), room, stoppingToken) : [];
                foreach (var (feed, takenFrom) in claimed)
                {
                    if (!_held.TryAdd(feed.Id, 0)) continue;
                    if (takenFrom is not null)
                    {
                        FeedPollerLog.TookOver(_logger, feed.Id, feed.Url.ToString(), takenFrom);
                        Takeovers.Add(1);
                    }
                    _ = Task.Run(() => RunAsync(feed, stoppingToken), CancellationToken.None);
                }
                if (now - lastPrune > PruneEvery)
                {
                    lastPrune = now;
                    await PruneAsync(now, stoppingToken);
                }
                var nextDue = await _leases.NextDueInAsync(_held.Keys.ToList(), stoppingToken);
                // Due now but not claimed: its host is dealt to another replica (taken here too once the grace is over).
                sleep = nextDue is not { } due ? RescanEvery : due == TimeSpan.Zero ? LookAgain : due;
                if (sleep > RescanEvery) sleep = RescanEvery;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The store is away: what this replica holds keeps its lease until it runs out; nothing new is claimed meanwhile.
                FeedPollerLog.LeasesUnavailable(_logger, e.Message);
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timer.CancelAfter(sleep);
            try
            {
                await _wake.Reader.ReadAsync(timer.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // slept until the next feed is due
            }
        }
        // The heartbeat ends before the leases are handed back, so it cannot register this replica again after it left.
        await heartbeat;
        // Polls under way were cancelled with the service; give them a moment to unwind before the bus stops, then hand
        // everything back so the other replicas take over at once rather than when the leases run out.
        for (var waited = 0; waited < 100 && !_held.IsEmpty; waited++) await Task.Delay(100, CancellationToken.None);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _leases.ReleaseAllAsync(timeout.Token);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
        {
            FeedPollerLog.LeasesUnavailable(_logger, e.Message);
        }
    }

    /// <summary>
    /// Renews this replica's leases every third of a lease, on its own timer: a claim loop busy or sleeping never lets a
    /// live replica's leases run out.
    /// </summary>
    private async Task HeartbeatAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.Lease / 3, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await BeatAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        try
        {
            await _leases.HeartbeatAsync(_held.Keys.ToList(), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The store is away: nobody can claim meanwhile either; the next beat renews what is still held.
            FeedPollerLog.LeasesUnavailable(_logger, e.Message);
        }
    }

    private async Task RunAsync(FeedRecord claimed, CancellationToken ct)
    {
        try
        {
            using (await _hosts.EnterAsync(claimed.HostKey, ct))
            {
                await _slots.WaitAsync(ct);
                try
                {
                    // Waiting in the lane may have taken a while: poll only what this replica still holds, as it stands now.
                    var feed = await _leases.ConfirmAsync(claimed.Id, ct);
                    if (feed is null)
                    {
                        FeedPollerLog.LeaseLost(_logger, claimed.Id);
                        return;
                    }
                    await _polling.PollAsync(feed, ct);
                }
                finally
                {
                    _slots.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // shutting down
        }
        catch (Exception e)
        {
            // The store or the bus failed (a feed's own failures are handled by FeedPolling): try again after the shortest interval.
            FeedPollerLog.PollCrashed(_logger, claimed.Id, e);
            await RecordCrashAsync(claimed.Id, e);
        }
        finally
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _leases.ReleaseAsync(claimed.Id, timeout.Token);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
            {
                // The lease runs out by itself; until then no other replica polls the feed.
                FeedPollerLog.LeasesUnavailable(_logger, e.Message);
            }
            _held.TryRemove(claimed.Id, out _);
            Wake();
        }
    }

    private async Task RecordCrashAsync(string id, Exception crash)
    {
        try
        {
            var now = _clock.GetUtcNow();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            if (await _store.RecordPollCrashAsync(id, now, "internal error: " + crash.Message.ReplaceLineEndings(" "), now + _options.Bounds.Min, timeout.Token)
                is { } failed)
            {
                _registry.Polled(failed);
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // The store is away too: the feed stays due and is retried once the lease runs out.
            FeedPollerLog.LeasesUnavailable(_logger, e.Message);
        }
    }

    private async Task OpenWithRetryAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _registry.OpenAsync(ct);
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException && !ct.IsCancellationRequested)
            {
                FeedPollerLog.StoreUnavailable(_logger, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), _clock, ct);
            }
        }
    }

    private async Task PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await _store.PruneAsync(_options.HistoryRetention, _options.EntryRetention, now, ct);
        }
        catch (Npgsql.NpgsqlException e)
        {
            FeedPollerLog.PruneFailed(_logger, e.Message);
        }
    }
}
