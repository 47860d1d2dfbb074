namespace Monitoring.FeedPoller.Registry;

/// <summary>
/// The watched feeds, as the API and the scheduler see them. PostgreSQL (<see cref="FeedStore"/>) is the only copy, so
/// a feed added, paused or removed through one replica's API is what every replica reads and schedules next.
/// At start it brings the operator's OPML list in: new outlines are added, outlines gone from the list are removed,
/// feeds removed through the API stay removed.
/// </summary>
public sealed class FeedRegistry(FeedStore store, FeedPollerOptions options, TimeProvider clock, ILogger<FeedRegistry> logger)
{
    /// <summary>Raised after a change made by this replica that a reader or the scheduler should see (added, paused, polled, removed ...).</summary>
    public event Action<FeedRecord, bool>? Changed;

    /// <summary>Creates or upgrades the schema and applies the operator's list; safe when several replicas start at once.</summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        await store.MigrateAsync(ct);
        if (!File.Exists(options.FeedsFile))
        {
            FeedPollerLog.FeedListMissing(logger, options.FeedsFile);
            return;
        }
        var watched = await store.SyncListAsync(Opml.Load(options.FeedsFile), clock.GetUtcNow(), options.FeedsFile, ct);
        FeedPollerLog.FeedsLoaded(logger, watched, options.FeedsFile);
    }

    /// <summary>Every watched feed, oldest first.</summary>
    public Task<List<FeedRecord>> ListAsync(CancellationToken ct) => store.LoadFeedsAsync(ct);

    public Task<FeedRecord?> FindAsync(string id, CancellationToken ct) => store.FindFeedAsync(id, ct);

    /// <summary>Adds a feed (or revives a removed one); an existing feed is returned unchanged.</summary>
    public async Task<(FeedRecord Feed, bool Created)> AddAsync(FeedSubscription subscription, FeedOrigin origin, CancellationToken ct)
    {
        var id = FeedRecord.IdFor(subscription.Url);
        var now = clock.GetUtcNow();
        var (feed, created) = await store.AddFeedAsync(new FeedRecord(id, subscription.Url, subscription.Title, subscription.Language, origin, false, now, now),
            new FeedHistoryEntry(id, now, FeedHistoryEntry.Added, Detail: $"through the API ({origin.ToString().ToLowerInvariant()})"), ct);
        if (created) Changed?.Invoke(feed, false);
        return (feed, created);
    }

    public async Task<FeedRecord?> RemoveAsync(string id, CancellationToken ct)
    {
        var feed = await store.RemoveFeedAsync(id, new FeedHistoryEntry(id, clock.GetUtcNow(), FeedHistoryEntry.Removed, Detail: "through the API"), ct);
        if (feed is not null) Changed?.Invoke(feed, true);
        return feed;
    }

    public Task<FeedRecord?> PauseAsync(string id, CancellationToken ct) => ChangeAsync(id, FeedChange.Pause, FeedHistoryEntry.Paused, ct);

    /// <summary>Resumes polling; the feed is due at once.</summary>
    public Task<FeedRecord?> ResumeAsync(string id, CancellationToken ct) => ChangeAsync(id, FeedChange.Resume, FeedHistoryEntry.Resumed, ct);

    /// <summary>Makes the feed due now.</summary>
    public Task<FeedRecord?> PollNowAsync(string id, CancellationToken ct) => ChangeAsync(id, FeedChange.PollNow, FeedHistoryEntry.PollRequested, ct);

    private async Task<FeedRecord?> ChangeAsync(string id, FeedChange change, string kind, CancellationToken ct)
    {
        var feed = await store.ChangeFeedAsync(id, change, new FeedHistoryEntry(id, clock.GetUtcNow(), kind), ct);
        if (feed is not null) Changed?.Invoke(feed, false);
        return feed;
    }

    /// <summary>Tells listeners a poll's outcome has been stored.</summary>
    public void Polled(FeedRecord feed) => Changed?.Invoke(feed, false);
}
