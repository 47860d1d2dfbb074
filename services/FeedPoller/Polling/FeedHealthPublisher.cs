using MassTransit;
using Monitoring.Contracts;
using Monitoring.FeedPoller.Registry;

namespace Monitoring.FeedPoller.Polling;

/// <summary>
/// Publishes <see cref="FeedHealthChanged"/> for the changes the registry reports, so the dashboard's latest message per
/// feed is its state. A change of status, of error, or a removal goes at once; a change that only moves a feed's times
/// and counts (every poll does) waits until <c>interval</c> has passed since that feed's last message, and then only its
/// latest state goes. Messages of one feed leave in the order they happened. A publish that fails is logged and
/// dropped: the feed's next change publishes its full state again.
/// </summary>
public sealed class FeedHealthPublisher : BackgroundService
{
    private readonly IBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILogger<FeedHealthPublisher> _logger;
    private readonly TimeSpan _interval;
    private readonly object _gate = new();
    /// <summary>Each feed's newest state not yet published.</summary>
    private readonly Dictionary<string, FeedHealthChanged> _pending = new(StringComparer.Ordinal);
    /// <summary>What was last published of each feed, and when.</summary>
    private readonly Dictionary<string, (FeedHealthChanged Health, DateTimeOffset At)> _published = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0);
    private int _signalled;

    public FeedHealthPublisher(FeedRegistry registry, IBus bus, TimeProvider clock, ILogger<FeedHealthPublisher> logger, TimeSpan? interval = null)
    {
        (_bus, _clock, _logger) = (bus, clock, logger);
        _interval = interval ?? TimeSpan.FromSeconds(10);
        registry.Changed += (feed, removed) =>
        {
            var health = Health(feed, removed, clock.GetUtcNow());
            lock (_gate) _pending[health.FeedId] = health;
            // One wake-up however many changes came meanwhile: the loop looks at all of them when it wakes.
            if (Interlocked.Exchange(ref _signalled, 1) == 0) _changed.Release();
        };
    }

    public static FeedHealthChanged Health(FeedRecord feed, bool removed, DateTimeOffset now) => new(
        feed.Id, feed.Url.ToString(), feed.Title ?? feed.FeedTitle, removed ? "removed" : feed.Status,
        feed.LastAttemptAt, feed.LastSuccessAt, feed.LastError, feed.ConsecutiveFailures,
        removed || feed.Paused ? null : feed.NextPollAt, feed.ArticlesPublished, now);

    /// <summary>True when <paramref name="next"/> says something the dashboard must show now, not only newer times.</summary>
    public static bool Urgent(FeedHealthChanged? last, FeedHealthChanged next) =>
        last is null || next.Status != last.Status || next.LastError != last.LastError || next.Title != last.Title ||
        next.ConsecutiveFailures != last.ConsecutiveFailures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Volatile.Write(ref _signalled, 0);
            var (due, wait) = TakeDue();
            foreach (var health in due)
            {
                // Not cancelled by shutdown: a publish under way finishes (the bus stops after this service), bounded in time.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _bus.Publish(health, timeout.Token);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    FeedPollerLog.HealthPublishFailed(_logger, health.FeedUrl, e.Message);
                }
            }
            if (due.Count > 0) continue;
            try
            {
                await _changed.WaitAsync(wait ?? Timeout.InfiniteTimeSpan, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The states to publish now (oldest change first), and how long until the next held one is due.</summary>
    private (List<FeedHealthChanged> Due, TimeSpan? Wait) TakeDue()
    {
        var now = _clock.GetUtcNow();
        var due = new List<FeedHealthChanged>();
        TimeSpan? wait = null;
        lock (_gate)
        {
            foreach (var (feedId, health) in _pending)
            {
                var last = _published.TryGetValue(feedId, out var published) ? published : ((FeedHealthChanged Health, DateTimeOffset At)?)null;
                var dueAt = last is { } l && !Urgent(l.Health, health) ? l.At + _interval : now;
                if (dueAt <= now) due.Add(health);
                else if (wait is null || dueAt - now < wait) wait = dueAt - now;
            }
            foreach (var health in due)
            {
                _pending.Remove(health.FeedId);
                if (health.Status == "removed") _published.Remove(health.FeedId);
                else _published[health.FeedId] = (health, now);
            }
        }
        due.Sort((a, b) => a.ChangedAt.CompareTo(b.ChangedAt));
        return (due, wait);
    }
}
