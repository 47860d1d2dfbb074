using Marten;
using Monitoring.Alerts.Articles;

namespace Monitoring.Alerts.Tests;

/// <summary>
/// Every projection and subscription on the async daemon names the event types it reads, so the daemon loads only
/// those: a shard without a filter reads every event of the store — each article's full text among them — and
/// deserialises it, for nothing (a projection that overrides Evolve gets no filter unless it asks for one).
/// </summary>
public sealed class ShardFilterTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    [Fact]
    public void Every_daemon_shard_reads_only_the_event_types_it_handles_and_none_reads_article_texts()
    {
        var shards = ((DocumentStore)store.Store).Options.Projections.AllShards();
        Assert.Contains(shards, s => s.Name.Name == "country-alerts");
        Assert.Contains(shards, s => s.Name.Name == "alert-exchange");
        Assert.All(shards, shard =>
        {
            Assert.True(shard.Filters.IncludedEventTypes.Count > 0, $"{shard.Name.Identity} has no event type filter: it would read every event");
            Assert.DoesNotContain(typeof(ArticleFetched), shard.Filters.IncludedEventTypes);
            Assert.DoesNotContain(typeof(ArticleUpdated), shard.Filters.IncludedEventTypes);
        });
    }
}
