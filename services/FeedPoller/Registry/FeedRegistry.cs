using System.Collections.Concurrent;

namespace Monitoring.FeedPoller.Registry;

/// <summary>
/// The watched feeds: held in memory for the scheduler and the API, written through to <see cref="FeedStore"/>.
/// At start it loads what the store has (ETags, schedule, failures survive a restart) and brings the operator's
/// OPML list in: new outlines are added, outlines gone from the list are removed, feeds removed through the API stay removed.
/// </summary>
public sealed class FeedRegistry(FeedStore store, FeedPollerOptions options, TimeProvider clock, ILogger<FeedRegistry> logger)
{
    private readonly ConcurrentDictionary<string, FeedRecord> _feeds = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised after any change a reader or the scheduler should see (added, paused, polled, removed ...).</summary>
    public event Action<FeedRecord, bool>? Changed;

    /// <summary>A snapshot of every feed, in no particular order.</summary>
    public IReadOnlyCollection<FeedRecord> Feeds => (IReadOnlyCollection<FeedRecord>)_feeds.Values;

    public Task Loaded => _loaded.Task;

    public FeedRecord? Find(string id) => _feeds.GetValueOrDefault(id);

    public async Task LoadAsync(CancellationToken ct)
    {
        try
        {
            await store.MigrateAsync(ct);
            foreach (var feed in await store.LoadFeedsAsync(ct)) _feeds[feed.Id] = feed;
            await SyncOperatorListAsync(ct);
            _loaded.TrySetResult();
        }
        catch (Exception e)
        {
            _loaded.TrySetException(e);
            throw;
        }
    }

    private async Task SyncOperatorListAsync(CancellationToken ct)
    {
        if (!File.Exists(options.FeedsFile))
        {
            FeedPollerLog.FeedListMissing(logger, options.FeedsFile);
            return;
        }
        var listed = Opml.Load(options.FeedsFile);
        var removed = await store.RemovedFeedIdsAsync(ct);
        var now = clock.GetUtcNow();
        var listedIds = new HashSet<string>();
        foreach (var subscription in listed)
        {
            var id = FeedRecord.IdFor(subscription.Url);
            listedIds.Add(id);
            if (removed.Contains(id)) continue;
            if (_feeds.TryGetValue(id, out var existing))
            {
                if (existing.Title != subscription.Title || existing.Language != subscription.Language || existing.Origin != FeedOrigin.List)
                {
                    var updated = existing with { Title = subscription.Title, Language = subscription.Language, Origin = FeedOrigin.List };
                    await store.SaveFeedAsync(updated, null, ct);
                    _feeds[id] = updated;
                }
                continue;
            }
            var feed = new FeedRecord(id, subscription.Url, subscription.Title, subscription.Language, FeedOrigin.List, false, now, now);
            await store.SaveFeedAsync(feed, new FeedHistoryEntry(id, now, FeedHistoryEntry.Added, Detail: "from the feed list " + options.FeedsFile), ct);
            _feeds[id] = feed;
        }
        foreach (var gone in _feeds.Values.Where(f => f.Origin == FeedOrigin.List && !listedIds.Contains(f.Id)).ToList())
        {
            await store.MarkRemovedAsync(gone.Id, new FeedHistoryEntry(gone.Id, now, FeedHistoryEntry.Removed, Detail: "no longer in the feed list"), ct);
            _feeds.TryRemove(gone.Id, out _);
        }
        FeedPollerLog.FeedsLoaded(logger, _feeds.Count, options.FeedsFile);
    }

    /// <summary>Adds a feed (or revives a removed one); an existing feed is returned unchanged.</summary>
    public async Task<(FeedRecord Feed, bool Created)> AddAsync(FeedSubscription subscription, FeedOrigin origin, CancellationToken ct)
    {
        var id = FeedRecord.IdFor(subscription.Url);
        if (_feeds.TryGetValue(id, out var existing)) return (existing, false);
        var now = clock.GetUtcNow();
        var feed = new FeedRecord(id, subscription.Url, subscription.Title, subscription.Language, origin, false, now, now);
        await store.SaveFeedAsync(feed, new FeedHistoryEntry(id, now, FeedHistoryEntry.Added, Detail: $"through the API ({origin.ToString().ToLowerInvariant()})"), ct);
        _feeds[id] = feed;
        Changed?.Invoke(feed, false);
        return (feed, true);
    }

    public async Task<FeedRecord?> RemoveAsync(string id, CancellationToken ct)
    {
        if (!_feeds.TryRemove(id, out var feed)) return null;
        await store.MarkRemovedAsync(id, new FeedHistoryEntry(id, clock.GetUtcNow(), FeedHistoryEntry.Removed, Detail: "through the API"), ct);
        Changed?.Invoke(feed, true);
        return feed;
    }

    public Task<FeedRecord?> PauseAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, f => f with { Paused = true }, FeedHistoryEntry.Paused, ct);

    public Task<FeedRecord?> ResumeAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, f => f with { Paused = false, NextPollAt = clock.GetUtcNow() }, FeedHistoryEntry.Resumed, ct);

    /// <summary>Makes the feed due now.</summary>
    public Task<FeedRecord?> PollNowAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, f => f with { NextPollAt = clock.GetUtcNow() }, FeedHistoryEntry.PollRequested, ct);

    private async Task<FeedRecord?> ChangeAsync(string id, Func<FeedRecord, FeedRecord> change, string kind, CancellationToken ct)
    {
        while (_feeds.TryGetValue(id, out var current))
        {
            var changed = change(current);
            if (!_feeds.TryUpdate(id, changed, current)) continue;
            await store.SaveFeedAsync(changed, new FeedHistoryEntry(id, clock.GetUtcNow(), kind, NextPollAt: changed.Paused ? null : changed.NextPollAt), ct);
            Changed?.Invoke(changed, false);
            return changed;
        }
        return null;
    }

    /// <summary>
    /// Applies a finished poll's outcome to the feed's fetch state — keeping a pause or removal made while the poll ran —
    /// and returns the feed as it now stands (null when it was removed meanwhile).
    /// </summary>
    public FeedRecord? ApplyPoll(string id, Func<FeedRecord, FeedRecord> outcome)
    {
        while (_feeds.TryGetValue(id, out var current))
        {
            var polled = outcome(current) with { Paused = current.Paused, Title = current.Title, Language = current.Language };
            if (_feeds.TryUpdate(id, polled, current)) return polled;
        }
        return null;
    }

    /// <summary>Tells listeners a poll's outcome has been stored.</summary>
    public void Polled(FeedRecord feed) => Changed?.Invoke(feed, false);
}
