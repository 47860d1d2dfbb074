using System.Text;
using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Tests;

public sealed class FeedParserTests
{
    private static FeedDocument Parse(string xml, string? baseUri = null, string? contentType = null) =>
        FeedParser.Parse(Encoding.UTF8.GetBytes(xml), contentType, baseUri is null ? null : new Uri(baseUri));

    [Fact]
    public void Rss2_items_give_title_link_guid_date_language_and_text()
    {
        var feed = Parse("""
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0"><channel><title>Kabar</title><link>https://kabar.example/</link><language>id-ID</language>
              <item><title>UE dan Jepang</title><link>https://kabar.example/a/1</link><guid>k-1</guid>
                <pubDate>Fri, 01 Nov 2024 09:30:00 GMT</pubDate><description>Teks &lt;b&gt;berita&lt;/b&gt;.</description></item>
            </channel></rss>
            """);
        Assert.Equal(FeedFormat.Rss20, feed.Format);
        Assert.Equal("Kabar", feed.Title!.ToPlainText());
        Assert.Equal("id-ID", feed.Language);
        var item = Assert.Single(feed.Entries);
        Assert.Equal("UE dan Jepang", item.Title!.ToPlainText());
        Assert.Equal("https://kabar.example/a/1", item.Link);
        Assert.Equal("k-1", item.Id);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 9, 30, 0, TimeSpan.Zero), item.Published);
        Assert.Equal("Teks berita.", item.PlainText());
        Assert.Equal("id-ID", item.Language);
        Assert.Empty(feed.Problems);
    }

    [Theory]
    [InlineData("0.91", FeedFormat.Rss091Userland)]
    [InlineData("0.92", FeedFormat.Rss092)]
    [InlineData("0.93", FeedFormat.Rss093)]
    [InlineData("0.94", FeedFormat.Rss094)]
    [InlineData("2.0", FeedFormat.Rss20)]
    public void Every_rss_0_9x_and_2_0_version_is_read(string version, FeedFormat expected)
    {
        var feed = Parse($"<rss version=\"{version}\"><channel><title>T</title><item><title>A</title><link>https://x.example/a</link></item></channel></rss>");
        Assert.Equal(expected, feed.Format);
        Assert.Equal("https://x.example/a", Assert.Single(feed.Entries).Link);
    }

    [Fact]
    public void Rss_1_0_rdf_items_beside_the_channel_are_read_with_dublin_core_dates()
    {
        var feed = Parse("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
              <channel rdf:about="https://r.example/"><title>RDF news</title><link>https://r.example/</link><dc:language>fr</dc:language></channel>
              <item rdf:about="https://r.example/1"><title>Un</title><link>https://r.example/1</link><dc:date>2024-11-01T10:30:00+01:00</dc:date>
                <description>Texte</description></item>
            </rdf:RDF>
            """);
        Assert.Equal(FeedFormat.Rss10, feed.Format);
        Assert.Equal("fr", feed.Language);
        var item = Assert.Single(feed.Entries);
        Assert.Equal("https://r.example/1", item.Id);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 9, 30, 0, TimeSpan.Zero), item.Published);
        Assert.Equal("Texte", item.PlainText());
    }

    [Fact]
    public void Rss_0_90_is_recognised_by_its_namespace()
    {
        var feed = Parse("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
              <channel><title>Old</title><link>https://o.example/</link></channel><item><title>I</title><link>https://o.example/i</link></item>
            </rdf:RDF>
            """);
        Assert.Equal(FeedFormat.Rss090, feed.Format);
        Assert.Equal("I", Assert.Single(feed.Entries).Title!.ToPlainText());
    }

    [Theory]
    [InlineData("Fri, 01 Nov 2024 04:30:00 EST")]
    [InlineData("Fri, 01 Nov 2024 10:30:00 +0100")]
    [InlineData("1 Nov 2024 09:30:00 GMT")]
    [InlineData("Fri, 1 Nov 24 09:30 GMT")]
    [InlineData("Friday, 01 November 2024 09:30:00 Z")]
    [InlineData("Fri, 01 Nov 2024 09:30:00")]
    [InlineData("Fri Nov  1 09:30:00 2024")]
    [InlineData("2024-11-01T09:30:00Z")]
    [InlineData("2024-11-01T18:30:00+09:00")]
    [InlineData("2024-11-01T09:30:00.123456789Z")]
    [InlineData("2024-11-01 09:30:00")]
    [InlineData("2024-11-01T05:30-0400")]
    [InlineData("Fr, 01 Nov 2024 10:30:00 CET")]
    public void Dates_in_rfc822_rfc3339_and_their_common_malformed_variants_are_read_as_utc(string date)
    {
        var parsed = FeedDates.Parse(date);
        Assert.NotNull(parsed);
        Assert.Equal(new DateTime(2024, 11, 1, 9, 30, 0), parsed.Value.UtcDateTime.AddTicks(-(parsed.Value.UtcDateTime.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(TimeSpan.Zero, parsed.Value.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2024-13-45T99:99:99Z")]
    [InlineData("Fri, 45 Foo 2024 09:30:00 GMT")]
    public void Unreadable_dates_are_null_not_errors(string date) => Assert.Null(FeedDates.Parse(date));

    [Fact]
    public void Rss_content_encoded_is_preferred_over_description()
    {
        var feed = Parse("""
            <rss xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>t</title>
              <description>short</description><content:encoded><![CDATA[<p>The full text</p>]]></content:encoded></item></channel></rss>
            """);
        Assert.Equal("The full text", feed.Entries[0].PlainText());
    }

    [Fact]
    public void A_guid_that_is_a_permalink_is_the_link_when_there_is_no_link()
    {
        var feed = Parse("""<rss><channel><item><title>t</title><guid>https://g.example/a</guid></item><item><title>u</title><guid isPermaLink="false">https://g.example/b</guid></item></channel></rss>""");
        Assert.Equal("https://g.example/a", feed.Entries[0].Link);
        Assert.Null(feed.Entries[1].Link);
    }

    [Fact]
    public void Media_and_dublin_core_fields_fill_what_rss_leaves_out()
    {
        var feed = Parse("""
            <rss xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
              <item><media:title>Video</media:title><media:description>About it</media:description><dc:creator>Ana</dc:creator>
                <dc:date>2024-11-01T09:30:00Z</dc:date><media:content url="https://m.example/v.mp4" type="video/mp4"/></item></channel></rss>
            """);
        var item = feed.Entries[0];
        Assert.Equal("Video", item.Title!.ToPlainText());
        Assert.Equal("About it", item.PlainText());
        Assert.Equal("Ana", item.Authors[0].Name);
        Assert.NotNull(item.Published);
        Assert.Equal("https://m.example/v.mp4", item.Enclosures[0].Url);
    }

    [Fact]
    public void Relative_rss_links_resolve_against_the_feed_address()
    {
        var feed = Parse("<rss><channel><link>/</link><item><title>t</title><link>/a/1?x=1</link></item></channel></rss>", "https://n.example/feeds/rss.xml");
        Assert.Equal("https://n.example/a/1?x=1", feed.Entries[0].Link);
        Assert.Equal("https://n.example/", feed.Link);
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
        Assert.Equal(FeedFormat.Atom10, feed.Format);
        Assert.Equal("ニュース", feed.Title!.ToPlainText());
        Assert.Equal("https://n.example/", feed.Link);
        var entry = Assert.Single(feed.Entries);
        Assert.Equal("urn:n:1", entry.Id);
        Assert.Equal("https://n.example/a/1", entry.Link);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 0, 30, 0, TimeSpan.Zero), entry.Published);
        Assert.Equal("本文", entry.PlainText());
        Assert.Equal("ja", entry.Language);
    }

    [Fact]
    public void Atom_xml_base_on_feed_and_entry_resolves_relative_links()
    {
        var feed = Parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/blog/">
              <entry xml:base="2024/"><title>t</title><link href="post.html"/></entry>
              <entry><title>u</title><link href="/root.html"/></entry>
            </feed>
            """, "https://other.example/feed.xml");
        Assert.Equal("https://b.example/blog/2024/post.html", feed.Entries[0].Link);
        Assert.Equal("https://b.example/root.html", feed.Entries[1].Link);
    }

    [Fact]
    public void Atom_xhtml_content_becomes_text_and_keeps_its_markup()
    {
        var feed = Parse("""
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b> title</div></title>
              <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>One</p><p>Two &amp; three</p></div></content></entry></feed>
            """);
        var entry = feed.Entries[0];
        Assert.Equal("A bold title", entry.Title!.ToPlainText());
        Assert.Equal("A <b>bold</b> title", entry.Title.Value);
        Assert.Equal("One\nTwo & three", entry.PlainText());
    }

    [Fact]
    public void Atom_0_3_with_escaped_mode_and_issued_dates_is_read()
    {
        var feed = Parse("""
            <feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old Atom</title><link rel="alternate" href="https://a3.example/"/>
              <entry><title>E</title><link rel="alternate" href="https://a3.example/e"/><id>tag:a3,1</id><issued>2004-01-01T19:48:21Z</issued>
                <content type="text/html" mode="escaped">&lt;b&gt;Body&lt;/b&gt;</content></entry></feed>
            """);
        Assert.Equal(FeedFormat.Atom03, feed.Format);
        Assert.Equal("https://a3.example/", feed.Link);
        var entry = feed.Entries[0];
        Assert.Equal("Body", entry.PlainText());
        Assert.Equal(new DateTimeOffset(2004, 1, 1, 19, 48, 21, TimeSpan.Zero), entry.Published);
    }

    [Theory]
    [InlineData("https://jsonfeed.org/version/1", FeedFormat.JsonFeed10)]
    [InlineData("https://jsonfeed.org/version/1.1", FeedFormat.JsonFeed11)]
    public void Json_feed_1_0_and_1_1_are_read(string version, FeedFormat format)
    {
        var feed = Parse($$"""
            {"version":"{{version}}","title":"J","home_page_url":"https://j.example/","language":"de",
             "items":[{"id":1,"url":"https://j.example/1","title":"Eins","content_html":"<p>Hallo <i>Welt</i></p>","date_published":"2024-11-01T10:30:00+01:00"}]}
            """);
        Assert.Equal(format, feed.Format);
        Assert.Equal("https://j.example/", feed.Link);
        var item = Assert.Single(feed.Entries);
        Assert.Equal("1", item.Id);
        Assert.Equal("Hallo Welt", item.PlainText());
        Assert.Equal("de", item.Language);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 9, 30, 0, TimeSpan.Zero), item.Published);
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
        Assert.Contains("entities", error.Message);
    }

    [Fact]
    public void A_plain_doctype_without_entities_is_ignored()
    {
        var feed = Parse("""
            <?xml version="1.0"?>
            <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
            <rss version="0.91"><channel><title>Netscape</title><item><title>x</title></item></channel></rss>
            """);
        Assert.Equal(FeedFormat.Rss091Netscape, feed.Format);
        Assert.Empty(feed.Problems);
    }

    [Fact]
    public void Html_entities_bare_ampersands_and_control_characters_are_recovered_and_reported()
    {
        var feed = Parse("<rss><channel><title>Fish & Chips &amp; caf&eacute;&nbsp;&hellip; &bogus;\u0001</title><item><title>x</title></item></channel></rss>");
        Assert.Equal("Fish & Chips & café … &bogus;", feed.Title!.ToPlainText());
        Assert.Equal("Fish & Chips & café\u00a0… &bogus;", feed.Title.Value);
        Assert.NotEmpty(feed.Problems);
    }

    [Fact]
    public void Undeclared_namespace_prefixes_are_recovered()
    {
        var feed = Parse("<rss><channel><item><title>t</title><content:encoded>Full</content:encoded><foo:bar>x</foo:bar></item></channel></rss>");
        Assert.Equal("Full", feed.Entries[0].PlainText());
        Assert.NotEmpty(feed.Problems);
    }

    [Theory]
    [InlineData("<rss><channel><item><title>unclosed</channel></rss>", "not well-formed")]
    [InlineData("<html><body>not a feed</body></html>", "unknown feed format")]
    [InlineData("", "empty")]
    [InlineData("   \n ", "empty")]
    [InlineData("{\"version\": 1, ", "not valid JSON")]
    [InlineData("[1,2,3]", "not a JSON Feed")]
    public void Malformed_or_unknown_documents_give_a_clear_error(string xml, string expected)
    {
        var error = Assert.Throws<FeedFormatException>(() => Parse(xml));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void An_rss_document_without_a_channel_is_an_empty_feed()
    {
        var feed = Parse("<rss version=\"2.0\"></rss>");
        Assert.Empty(feed.Entries);
        Assert.Empty(feed.Problems);
    }

    [Fact]
    public void Leading_whitespace_and_a_byte_order_mark_are_accepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("\n  <?xml version=\"1.0\"?><rss><channel><title>Ok</title></channel></rss>")).ToArray();
        Assert.Equal("Ok", FeedParser.Parse(bytes).Title!.ToPlainText());
    }

    [Fact]
    public void More_entries_than_the_limit_are_cut_and_reported()
    {
        var items = string.Concat(Enumerable.Range(0, 30).Select(i => $"<item><title>{i}</title></item>"));
        var feed = FeedParser.Parse(Encoding.UTF8.GetBytes($"<rss><channel>{items}</channel></rss>"), limits: new ParseLimits(MaxEntries: 10));
        Assert.Equal(10, feed.Entries.Count);
        Assert.Contains(feed.Problems, p => p.Contains("only the first 10"));
    }

    [Fact]
    public void Deeply_nested_html_is_read_without_building_a_tree()
    {
        var html = "<script>var x = '<div>';</script>" + string.Concat(Enumerable.Repeat("<div><b>", 100_000)) + "deep &amp; dark" + string.Concat(Enumerable.Repeat("</b></div>", 100_000));
        Assert.True(HtmlText.NestingDepth(html) > HtmlText.MaxTreeDepth);
        Assert.Equal("deep & dark", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void Html_to_text_drops_scripts_styles_and_tags_and_decodes_entities()
    {
        Assert.Equal("Hello & welcome\nSecond line\nItem",
            HtmlText.ToPlainText("<script>alert(1)</script><style>p{}</style><p>Hello &amp; welcome</p><p>Second <b>line</b></p><ul><li>Item</li></ul>"));
    }
}
