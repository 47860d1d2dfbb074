using Monitoring.FeedPoller.Articles;

namespace Monitoring.FeedPoller.Tests;

public sealed class ArticleIdentityTests
{
    [Fact]
    public void Canonical_url_lowercases_scheme_and_host_and_drops_default_port_fragment_and_tracking()
    {
        Assert.Equal("https://news.example/a/1?page=2",
            ArticleIdentity.CanonicalUrl("HTTPS://News.Example:443/a/1?utm_source=rss&page=2&fbclid=x&gclid=y#top"));
    }

    [Fact]
    public void The_same_article_linked_differently_from_two_feeds_has_one_id()
    {
        var fromFeedA = ArticleIdentity.For("https://news.example/a/1?utm_medium=feed", "guid-a", "Title", "Text");
        var fromFeedB = ArticleIdentity.For("https://NEWS.example/a/1#comments", "guid-b", "Other title", "Other text");
        Assert.Equal(fromFeedA, fromFeedB);
    }

    [Fact]
    public void Different_articles_have_different_ids()
    {
        Assert.NotEqual(ArticleIdentity.For("https://news.example/a/1", null, "t", "x"),
                        ArticleIdentity.For("https://news.example/a/2", null, "t", "x"));
    }

    [Fact]
    public void Without_a_link_the_guid_decides_and_without_either_the_content()
    {
        Assert.Equal(ArticleIdentity.For(null, "urn:1", "a", "b"), ArticleIdentity.For("", "urn:1", "c", "d"));
        Assert.Equal(ArticleIdentity.For(null, null, "a", "b"), ArticleIdentity.For(null, " ", "a", "b"));
        Assert.NotEqual(ArticleIdentity.For(null, null, "a", "b"), ArticleIdentity.For(null, null, "a", "c"));
    }

    [Fact]
    public void Ids_are_stable_hex_strings()
    {
        var id = ArticleIdentity.For("https://news.example/a/1", null, "t", "x");
        Assert.Equal(32, id.Length);
        Assert.Matches("^[0-9a-f]+$", id);
        Assert.Equal(id, ArticleIdentity.For("https://news.example/a/1", null, "t", "x"));
    }
}
