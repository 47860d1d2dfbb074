using Monitoring.FeedPoller.Registry;

namespace Monitoring.FeedPoller.Tests;

public sealed class OpmlTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("feedlist").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string opml)
    {
        var path = Path.Combine(_folder, "feeds.opml");
        File.WriteAllText(path, opml);
        return path;
    }

    [Fact]
    public void Opml_outlines_at_any_depth_become_feeds_with_title_and_language()
    {
        var feeds = Opml.Load(Write("""
            <opml version="2.0"><body>
              <outline text="Indonesian"><outline text="Antara" title="Antara" xmlUrl="https://antara.example/rss" language="id"/></outline>
              <outline text="BBC" xmlUrl="https://bbc.example/rss.xml"/>
              <outline text="folder without feed"/>
            </body></opml>
            """));
        Assert.Equal(2, feeds.Count);
        Assert.Equal(new FeedSubscription(new Uri("https://antara.example/rss"), "Antara", "id"), feeds[0]);
        Assert.Equal("BBC", feeds[1].Title);
    }

    [Fact]
    public void A_relative_file_url_is_resolved_against_the_feed_list_folder()
    {
        var feeds = Opml.Load(Write("""<opml><body><outline text="demo" xmlUrl="file:demo/feed.xml"/></body></opml>"""));
        Assert.Equal(Path.Combine(_folder, "demo", "feed.xml"), feeds[0].Url.LocalPath);
    }

    [Fact]
    public void A_feed_url_that_is_not_http_or_file_is_refused()
    {
        Assert.Throws<FormatException>(() => Opml.Load(Write("""<opml><body><outline xmlUrl="ftp://x.example/f"/></body></opml>""")));
    }

    [Fact]
    public void Duplicate_feed_urls_are_listed_once()
    {
        var feeds = Opml.Load(Write("""<opml><body><outline xmlUrl="https://a.example/f"/><outline xmlUrl="https://a.example/f"/></body></opml>"""));
        Assert.Single(feeds);
    }
}
