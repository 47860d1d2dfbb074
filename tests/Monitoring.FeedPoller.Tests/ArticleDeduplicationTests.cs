using Monitoring.FeedPoller.Articles;

namespace Monitoring.FeedPoller.Tests;

public sealed class ArticleDeduplicationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static ArticleDraft Draft(string id, string hash) => new(id, hash, "Title " + id, "Text " + id, null, null, "en", null);

    [Fact]
    public void An_entry_the_feed_still_shows_unchanged_is_remembered_again_only_once_its_record_is_a_day_old()
    {
        var drafts = new[] { Draft("fresh", "h1"), Draft("old", "h2"), Draft("edited", "h3-new"), Draft("new", "h4") };
        var known = new Dictionary<string, KnownArticle>
        {
            ["fresh"] = new("fresh", 1, "h1"), ["old"] = new("old", 1, "h2"), ["edited"] = new("edited", 1, "h3"),
        };
        var seen = new[]
        {
            new FeedEntrySeen("fresh", "h1", Now.AddHours(-1)),
            new FeedEntrySeen("old", "h2", Now - ArticleDeduplication.SeenRefresh - TimeSpan.FromMinutes(1)),
            new FeedEntrySeen("edited", "h3", Now.AddMinutes(-5)),
        };

        var result = ArticleDeduplication.Decide(drafts, known, seen, Now);

        // Recorded: the one last recorded over a day ago (so pruning never forgets an entry still listed), the edited one
        // (its new content) and the new one; not the one recorded an hour ago with the same content.
        Assert.Equal(["old", "edited", "new"], result.Seen.Select(d => d.Id));
        Assert.Equal([("edited", 2, ArticleChange.Updated), ("new", 1, ArticleChange.New)],
            result.Publish.Select(p => (p.Draft.Id, p.Revision, p.Change)));
    }
}
