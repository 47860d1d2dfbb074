using System.Collections.Concurrent;
using System.Threading.Channels;
using Monitoring.FeedPoller.Polling;
using Monitoring.FeedPoller.Registry;

namespace Monitoring.FeedPoller.Scheduling;

/// <summary>
/// Runs every feed's polls at its own due time. Due feeds start at once, each in its host's lane (one request per host,
/// spaced), with a bound on polls in flight over all hosts; a slow host only delays its own feeds. Wakes early when the
/// registry changes (a feed added, resumed, or asked to poll now).
/// </summary>
public sealed class FeedScheduler : BackgroundService
{
    private static readonly TimeSpan LongestSleep = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly FeedRegistry _registry;
    private readonly FeedStore _store;
    private readonly FeedPolling _polling;
    private readonly HostGate _hosts;
    private readonly FeedPollerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<FeedScheduler> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, byte> _inFlight = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public FeedScheduler(FeedRegistry registry, FeedStore store, FeedPolling polling, HostGate hosts, FeedPollerOptions options,
        TimeProvider clock, ILogger<FeedScheduler> logger)
    {
        (_registry, _store, _polling, _hosts, _options, _clock, _logger) = (registry, store, polling, hosts, options, clock, logger);
        _slots = new SemaphoreSlim(options.Concurrency);
        registry.Changed += (_, _) => Wake();
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await LoadWithRetryAsync(stoppingToken);
        var lastPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            DateTimeOffset? nextDue = null;
            foreach (var feed in _registry.Feeds)
            {
                if (feed.Paused || _inFlight.ContainsKey(feed.Id)) continue;
                if (feed.NextPollAt <= now && _inFlight.TryAdd(feed.Id, 0))
                {
                    var id = feed.Id;
                    _ = Task.Run(() => RunAsync(id, stoppingToken), CancellationToken.None);
                }
                else if (nextDue is null || feed.NextPollAt < nextDue) nextDue = feed.NextPollAt;
            }
            if (now - lastPrune > PruneEvery)
            {
                lastPrune = now;
                await PruneAsync(now, stoppingToken);
            }

            var sleep = nextDue is { } due ? due - now : LongestSleep;
            if (sleep > LongestSleep) sleep = LongestSleep;
            if (sleep < TimeSpan.Zero) sleep = TimeSpan.Zero;
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
        // Polls under way were cancelled with the service; give them a moment to unwind before the bus stops.
        for (var waited = 0; waited < 100 && !_inFlight.IsEmpty; waited++) await Task.Delay(100, CancellationToken.None);
    }

    private async Task RunAsync(string id, CancellationToken ct)
    {
        try
        {
            var feed = _registry.Find(id);
            if (feed is null || feed.Paused) return;
            using (await _hosts.EnterAsync(HostKey(feed), ct))
            {
                await _slots.WaitAsync(ct);
                try
                {
                    feed = _registry.Find(id);
                    if (feed is null || feed.Paused) return;
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
            FeedPollerLog.PollCrashed(_logger, id, e);
            var retryAt = _clock.GetUtcNow() + _options.Bounds.Min;
            if (_registry.ApplyPoll(id, f => f with
                {
                    NextPollAt = retryAt,
                    LastAttemptAt = _clock.GetUtcNow(),
                    LastError = "internal error: " + e.Message.ReplaceLineEndings(" "),
                    ConsecutiveFailures = f.ConsecutiveFailures + 1,
                }) is { } failed)
            {
                _registry.Polled(failed);
            }
        }
        finally
        {
            _inFlight.TryRemove(id, out _);
            Wake();
        }
    }

    /// <summary>Politeness is per host; local files have no host to be polite to, so each is its own lane.</summary>
    private static string HostKey(FeedRecord feed) => feed.Url.IsFile ? feed.Url.LocalPath : feed.Url.IdnHost;

    private async Task LoadWithRetryAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _registry.LoadAsync(ct);
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
