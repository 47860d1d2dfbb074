namespace Monitoring.FeedPoller.Articles;

/// <summary>What the poller already knows about an article across all feeds.</summary>
public sealed record KnownArticle(string Id, int Revision, string ContentHash);

/// <summary>What one feed showed of an article the last time it listed it, and when that was last recorded.</summary>
public sealed record FeedEntrySeen(string ArticleId, string ContentHash, DateTimeOffset SeenAt = default);

public enum ArticleChange { New, Updated }

public sealed record ArticleToPublish(ArticleDraft Draft, int Revision, ArticleChange Change);

/// <summary>
/// The decision for one poll: what to publish, and what of what the feed showed to remember for next time (entries new
/// to this feed, changed, or last recorded more than <see cref="ArticleDeduplication.SeenRefresh"/> ago).
/// </summary>
public sealed record DeduplicationResult(IReadOnlyList<ArticleToPublish> Publish, IReadOnlyList<ArticleDraft> Seen)
{
    public static readonly DeduplicationResult Empty = new([], []);
}

/// <summary>
/// Decides, for the entries of one poll, which are new articles and which are edits — a pure function of what is known.
/// The same article from two feeds is one article (same id); an edit is a change in what the same feed shows for the
/// same id, so two feeds carrying different excerpts of one article never flip-flop it; a feed that gives a known
/// article a new id (guids regenerated daily, no stable link) is recognised by its unchanged content.
/// </summary>
public static class ArticleDeduplication
{
    /// <summary>
    /// An entry the feed still shows unchanged is recorded again (its <c>seen_at</c> moved on) at most this often, so the
    /// pruning of entries unseen for the retention (90 days) never forgets one a feed still lists — rewriting every entry
    /// of every feed on every poll cost PostgreSQL more than the new articles did.
    /// </summary>
    public static readonly TimeSpan SeenRefresh = TimeSpan.FromDays(1);

    /// <param name="known">Known articles among the drafts' ids.</param>
    /// <param name="seenByFeed">This feed's entries among the drafts' ids or content hashes.</param>
    /// <param name="now">The poll's time: an unchanged entry recorded within <see cref="SeenRefresh"/> before it is not recorded again.</param>
    public static DeduplicationResult Decide(
        IReadOnlyList<ArticleDraft> drafts,
        IReadOnlyDictionary<string, KnownArticle> known,
        IReadOnlyCollection<FeedEntrySeen> seenByFeed,
        DateTimeOffset now)
    {
        var seenById = seenByFeed.GroupBy(s => s.ArticleId).ToDictionary(g => g.Key, g => g.First());
        var seenHashes = seenByFeed.Select(s => s.ContentHash).ToHashSet(StringComparer.Ordinal);
        var publish = new List<ArticleToPublish>();
        var seen = new List<ArticleDraft>();
        foreach (var draft in drafts.DistinctBy(d => d.Id))
        {
            if (!(seenById.TryGetValue(draft.Id, out var shown) && shown.ContentHash == draft.ContentHash && now - shown.SeenAt < SeenRefresh))
                seen.Add(draft);
            if (!known.TryGetValue(draft.Id, out var article))
            {
                if (seenHashes.Contains(draft.ContentHash)) continue; // this feed showed this very content before, under another id
                publish.Add(new ArticleToPublish(draft, 1, ArticleChange.New));
                continue;
            }
            if (!seenById.TryGetValue(draft.Id, out var previous)) continue; // first time this feed shows a known article
            if (previous.ContentHash == draft.ContentHash || article.ContentHash == draft.ContentHash) continue;
            publish.Add(new ArticleToPublish(draft, article.Revision + 1, ArticleChange.Updated));
        }
        return new DeduplicationResult(publish, seen);
    }
}
