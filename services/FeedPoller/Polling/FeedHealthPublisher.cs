using MassTransit;
using Monitoring.Contracts;
using Monitoring.FeedPoller.Registry;

namespace Monitoring.FeedPoller.Polling;

/// <summary>
/// Publishes <see cref="FeedHealthChanged"/> for the changes the registry reports, so the dashboard's latest message per
/// feed is its state. A change of status, of error, or a removal goes at once; a change that only moves a feed's times
/// and counts (every poll does) waits until <c>interval</c> has passed since that feed's last message, and then only its
/// latest state goes. No change of status or error is skipped, even when several come before the publisher wakes;
/// messages of one feed leave in the order they happened, and what is held when the service stops goes then. A
/// publish that fails is logged and dropped: the feed's next change publishes its full state again.
/// </summary>
public sealed class FeedHealthPublisher : BackgroundService
{
    private readonly IBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILogger<FeedHealthPublisher> _logger;
    private readonly TimeSpan _interval;
    private readonly object _gate = new();
    /// <summary>
    /// Each feed's states not yet published, oldest first: every one but the last says something new (a status, an
    /// error...), so none of them is dropped; the last may only move times, and is replaced by the next change.
    /// </summary>
    private readonly Dictionary<string, List<FeedHealthChanged>> _pending = new(StringComparer.Ordinal);
    /// <summary>What was last published of each feed, and when.</summary>
    private readonly Dictionary<string, (FeedHealthChanged Health, DateTimeOffset At)> _published = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0);
    private int _signalled;

    public FeedHealthPublisher(FeedRegistry registry, IBus bus, TimeProvider clock, ILogger<FeedHealthPublisher> logger, TimeSpan interval)
    {
        (_bus, _clock, _logger, _interval) = (bus, clock, logger, interval);
        registry.Changed += (feed, removed) =>
        {
            var health = Health(feed, removed, clock.GetUtcNow());
            lock (_gate) Hold(health);
            // One wake-up however many changes came meanwhile: the loop looks at all of them when it wakes.
            if (Interlocked.Exchange(ref _signalled, 1) == 0) _changed.Release();
        };
    }

    public static FeedHealthChanged Health(FeedRecord feed, bool removed, DateTimeOffset now) => new(
        feed.Id, feed.Url.ToString(), feed.Title ?? feed.FeedTitle, removed ? "removed" : feed.Status,
        feed.LastAttemptAt, feed.LastSuccessAt, feed.LastError, feed.ConsecutiveFailures,
        removed || feed.Paused ? null : feed.NextPollAt, feed.ArticlesPublished, now);

    /// <summary>Adds a state to its feed's held ones: after the last held one, or instead of it when that one only moved times.</summary>
    private void Hold(FeedHealthChanged health)
    {
        if (!_pending.TryGetValue(health.FeedId, out var held)) _pending[health.FeedId] = held = [];
        if (held.Count > 0 && !Urgent(Before(held, held.Count - 1), held[^1])) held[^1] = health;
        else held.Add(health);
    }

    /// <summary>The state before <c>held[index]</c>: the one held before it, or else the feed's last published one.</summary>
    private FeedHealthChanged? Before(List<FeedHealthChanged> held, int index) =>
        index > 0 ? held[index - 1] : _published.TryGetValue(held[0].FeedId, out var published) ? published.Health : null;

    /// <summary>True when <paramref name="next"/> says something the dashboard must show now, not only newer times.</summary>
    private static bool Urgent(FeedHealthChanged? last, FeedHealthChanged next) =>
        last is null || next.Status != last.Status || next.LastError != last.LastError || next.Title != last.Title ||
        next.ConsecutiveFailures != last.ConsecutiveFailures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Volatile.Write(ref _signalled, 0);
            var (due, wait) = TakeDue();
            await PublishAsync(due, stoppingToken);
            if (due.Count > 0) continue;
            try
            {
                await _changed.WaitAsync(wait ?? Timeout.InfiniteTimeSpan, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
        // Stopping: the states still held go now, so the dashboard keeps each feed's last state (the bus stops after this service).
        await PublishAsync(TakeDue(all: true).Due, CancellationToken.None);
    }

    private async Task PublishAsync(List<FeedHealthChanged> due, CancellationToken stoppingToken)
    {
        foreach (var health in due)
        {
            // Not cancelled by shutdown: a publish under way finishes, bounded in time.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _bus.Publish(health, timeout.Token);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested || e is not OperationCanceledException)
            {
                FeedPollerLog.HealthPublishFailed(_logger, health.FeedUrl, e.Message);
            }
        }
    }

    /// <summary>The states to publish now (oldest change first; with <paramref name="all"/>, every one held), and how long until the next held one is due.</summary>
    private (List<FeedHealthChanged> Due, TimeSpan? Wait) TakeDue(bool all = false)
    {
        var now = _clock.GetUtcNow();
        var due = new List<FeedHealthChanged>();
        TimeSpan? wait = null;
        lock (_gate)
        {
            foreach (var (feedId, held) in _pending)
            {
                // Every held state but the last is news and goes now; the last goes now if it is news too, or once the
                // interval since the feed's last message has passed.
                var last = held[^1];
                var news = all || Urgent(Before(held, held.Count - 1), last) || held.Count > 1;
                var dueAt = news || !_published.TryGetValue(feedId, out var published) ? now : published.At + _interval;
                if (dueAt <= now)
                {
                    due.AddRange(held);
                    _pending.Remove(feedId); // removing while enumerating is allowed for Dictionary (.NET Core 3.0 and later)
                }
                else if (wait is null || dueAt - now < wait) wait = dueAt - now;
            }
            foreach (var health in due)
            {
                if (health.Status == "removed") _published.Remove(health.FeedId);
                else _published[health.FeedId] = (health, now);
            }
        }
        return (due.OrderBy(h => h.ChangedAt).ToList(), wait); // stable: one feed's states keep their order
    }
}
