using System.Text;
using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Tests;

public sealed class FeedParserTests
{
    private static ParsedFeed Parse(string xml, string? baseUri = null) =>
        FeedParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(xml)), baseUri is null ? null : new Uri(baseUri));

    [Fact]
    public void Rss2_items_give_title_link_guid_date_and_language()
    {
        var feed = Parse("""
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0"><channel><title>Kabar</title><link>https://kabar.example/</link><language>id-ID</language>
              <item><title>UE dan Jepang</title><link>https://kabar.example/a/1</link><guid>k-1</guid>
                <pubDate>Fri, 01 Nov 2024 09:30:00 GMT</pubDate><description>Teks &lt;b&gt;berita&lt;/b&gt;.</description></item>
            </channel></rss>
            """);
        Assert.Equal("Kabar", feed.Title);
        Assert.Equal("id-ID", feed.Language);
        var item = Assert.Single(feed.Items);
        Assert.Equal("UE dan Jepang", item.Title);
        Assert.Equal("https://kabar.example/a/1", item.Link);
        Assert.Equal("k-1", item.Guid);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 9, 30, 0, TimeSpan.Zero), item.Published);
        Assert.Equal("Teks berita .", item.Text);
        Assert.Equal("id-ID", item.Language);
    }

    [Theory]
    [InlineData("Fri, 01 Nov 2024 04:30:00 EST", 9)]
    [InlineData("Fri, 01 Nov 2024 10:30:00 +0100", 9)]
    [InlineData("1 Nov 2024 09:30:00 GMT", 9)]
    [InlineData("2024-11-01T09:30:00Z", 9)]
    public void Rss_dates_in_rfc822_and_rfc3339_forms_are_read_as_utc(string date, int expectedHour)
    {
        var feed = Parse($"<rss><channel><item><title>x</title><pubDate>{date}</pubDate></item></channel></rss>");
        Assert.Equal(expectedHour, feed.Items[0].Published!.Value.UtcDateTime.Hour);
    }

    [Fact]
    public void Rss_content_encoded_is_preferred_over_description()
    {
        var feed = Parse("""
            <rss xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>t</title>
              <description>short</description><content:encoded><![CDATA[<p>The full text</p>]]></content:encoded></item></channel></rss>
            """);
        Assert.Equal("The full text", feed.Items[0].Text);
    }

    [Fact]
    public void Atom_entries_give_id_alternate_link_published_and_xml_lang()
    {
        var feed = Parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja"><title>ニュース</title>
              <link rel="self" href="https://n.example/feed"/><link href="https://n.example/"/>
              <entry><id>urn:n:1</id><title>日本とEU</title><link rel="alternate" href="/a/1"/>
                <published>2024-11-01T09:30:00+09:00</published><summary type="html">&lt;p&gt;本文&lt;/p&gt;</summary></entry>
            </feed>
            """, "https://n.example/feed");
        Assert.Equal("ニュース", feed.Title);
        Assert.Equal("https://n.example/", feed.Link);
        var entry = Assert.Single(feed.Items);
        Assert.Equal("urn:n:1", entry.Guid);
        Assert.Equal("https://n.example/a/1", entry.Link);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 0, 30, 0, TimeSpan.Zero), entry.Published);
        Assert.Equal("本文", entry.Text);
        Assert.Equal("ja", entry.Language);
    }

    [Fact]
    public void A_feed_with_an_external_entity_is_refused_without_reading_the_file()
    {
        var error = Assert.Throws<FeedFormatException>(() => Parse("""
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <rss><channel><item><title>&xxe;</title></item></channel></rss>
            """));
        Assert.Contains("DTD", error.Message);
        Assert.DoesNotContain("root:", error.Message);
    }

    [Fact]
    public void An_entity_expansion_bomb_is_refused()
    {
        var error = Assert.Throws<FeedFormatException>(() => Parse("""
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            <rss><channel><item><title>&lol3;</title></item></channel></rss>
            """));
        Assert.Contains("DTD", error.Message);
    }

    [Theory]
    [InlineData("<rss><channel><item><title>unclosed</channel></rss>", "not well-formed")]
    [InlineData("<html><body>not a feed</body></html>", "unknown feed format")]
    [InlineData("<rss version=\"2.0\"></rss>", "no <channel>")]
    public void Malformed_or_unknown_documents_give_a_clear_error(string xml, string expected)
    {
        var error = Assert.Throws<FeedFormatException>(() => Parse(xml));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Html_to_text_drops_scripts_and_tags_and_decodes_entities()
    {
        Assert.Equal("Hello & welcome\nSecond", FeedParser.HtmlToText("<script>alert(1)</script><p>Hello &amp; welcome</p><p>Second</p>"));
    }
}
