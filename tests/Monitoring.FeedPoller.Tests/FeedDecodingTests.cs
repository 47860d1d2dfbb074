using System.Text;
using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Tests;

/// <summary>Character encodings: BOM, HTTP charset, XML declaration, defaults, legacy code pages and undeclared ones.</summary>
public sealed class FeedDecodingTests
{
    static FeedDecodingTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static byte[] Feed(string title, string encoding, bool declare = true) =>
        Encoding.GetEncoding(encoding).GetBytes(
            (declare ? $"<?xml version=\"1.0\" encoding=\"{encoding}\"?>" : "") + $"<rss><channel><title>{title}</title></channel></rss>");

    [Theory]
    [InlineData("windows-1251", "Новости дня")]
    [InlineData("koi8-r", "Новости дня")]
    [InlineData("windows-1252", "Café “quoted”")]
    [InlineData("iso-8859-2", "Zażółć gęślą jaźń")]
    [InlineData("windows-1256", "أخبار اليوم")]
    [InlineData("shift_jis", "日本のニュース")]
    [InlineData("euc-jp", "日本のニュース")]
    [InlineData("euc-kr", "한국 뉴스")]
    [InlineData("gb2312", "中国新闻")]
    [InlineData("big5", "臺灣新聞")]
    [InlineData("iso-8859-7", "Ειδήσεις")]
    public void Legacy_encodings_declared_in_the_xml_declaration_are_decoded(string encoding, string title)
    {
        var feed = FeedParser.Parse(Feed(title, encoding));
        Assert.Equal(title, feed.Title!.ToPlainText());
        Assert.Empty(feed.Problems);
    }

    [Fact]
    public void The_http_charset_wins_over_the_xml_declaration()
    {
        var bytes = Encoding.GetEncoding("windows-1251").GetBytes("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><title>Привет</title></channel></rss>");
        var feed = FeedParser.Parse(bytes, "application/rss+xml; charset=\"windows-1251\"");
        Assert.Equal("Привет", feed.Title!.ToPlainText());
        Assert.Equal("windows-1251", feed.Encoding);
    }

    [Fact]
    public void A_byte_order_mark_wins_over_everything()
    {
        var bytes = Encoding.BigEndianUnicode.GetPreamble().Concat(Encoding.BigEndianUnicode.GetBytes(
            "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><title>Ünïcode</title></channel></rss>")).ToArray();
        var feed = FeedParser.Parse(bytes, "text/xml; charset=us-ascii");
        Assert.Equal("Ünïcode", feed.Title!.ToPlainText());
        Assert.Equal("utf-16be", feed.Encoding);
    }

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-32le")]
    [InlineData("utf-32be")]
    public void Utf16_and_utf32_without_a_byte_order_mark_are_recognised(string encoding)
    {
        var text = "<?xml version=\"1.0\"?><rss><channel><title>Wide ✓</title></channel></rss>";
        var bytes = encoding switch
        {
            "utf-16le" => Encoding.Unicode.GetBytes(text),
            "utf-16be" => Encoding.BigEndianUnicode.GetBytes(text),
            "utf-32le" => new UTF32Encoding(false, false).GetBytes(text),
            _ => new UTF32Encoding(true, false).GetBytes(text),
        };
        var feed = FeedParser.Parse(bytes);
        Assert.Equal("Wide ✓", feed.Title!.ToPlainText());
        Assert.Equal(encoding, feed.Encoding);
    }

    [Fact]
    public void Text_xml_without_charset_is_us_ascii_and_non_ascii_bytes_are_an_override_reported_as_a_problem()
    {
        var feed = FeedParser.Parse(Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>Zürich</title></channel></rss>"), "text/xml");
        Assert.Equal("Zürich", feed.Title!.ToPlainText());
        Assert.Equal("utf-8", feed.Encoding);
        Assert.Contains(feed.Problems, p => p.Contains("us-ascii"));
    }

    [Theory]
    [InlineData("shift_jis", "日本政府は北朝鮮の弾道ミサイル発射を強く非難し、国際社会と連携して対応すると発表した。防衛省によると、ミサイルは日本海に落下した。")]
    [InlineData("euc-kr", "합동참모본부는 북한이 동해상으로 탄도미사일을 발사했다고 밝혔다. 군은 한미 공조 아래 추가 발사에 대비하고 있다.")]
    [InlineData("windows-1251", "Министерство обороны сообщило о проведении совместных учений флота в Балтийском море с участием кораблей и авиации.")]
    public void Undeclared_legacy_encodings_are_detected_and_reported(string encoding, string title)
    {
        var feed = FeedParser.Parse(Feed(title, encoding, declare: false));
        Assert.Equal(title, feed.Title!.ToPlainText());
        Assert.NotEmpty(feed.Problems);
    }

    [Fact]
    public void An_unknown_declared_encoding_falls_back_to_utf8_and_is_reported()
    {
        var feed = FeedParser.Parse(Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"bogus-8\"?><rss><channel><title>Ok ✓</title></channel></rss>"));
        Assert.Equal("Ok ✓", feed.Title!.ToPlainText());
        Assert.Contains(feed.Problems, p => p.Contains("bogus-8"));
    }

    /// <summary>What a careless crawler makes of UTF-8: its bytes read as windows-1252 (undefined bytes kept as C1 characters).</summary>
    private static string DoubleEncoded(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b =>
        b is >= 0x80 and <= 0x9F && Encoding.GetEncoding(1252).GetString([b]) is { Length: 1 } s && s[0] != '?' && s[0] != '\uFFFD' ? s[0] : (char)b));

    [Theory]
    [InlineData("В Москве прошли учения флота")]
    [InlineData("Les forces armées françaises — communiqué « officiel »")]
    [InlineData("Die Bundeswehr übt in Litauen – Grüße aus Vilnius")]
    public void Double_encoded_utf8_is_repaired(string original)
    {
        var broken = DoubleEncoded(original);
        Assert.NotEqual(original, broken);
        var feed = FeedParser.Parse(Encoding.UTF8.GetBytes($"<rss><channel><title>{broken}</title></channel></rss>"));
        Assert.Equal(original, feed.Title!.Value);
    }

    [Fact]
    public void Windows_1252_punctuation_written_as_control_characters_is_repaired() =>
        Assert.Equal("don’t — “quoted”", TextRepair.Repair("don\u0092t \u0097 \u0093quoted\u0094"));

    [Theory]
    [InlineData("Zürich, São Paulo, Ærø, Ñandú, naïve café, Ölçü, Šibenik, Čačak")]
    [InlineData("ÂÃÄÅ are letters of their own, and so is ô")]
    [InlineData("Fish & Chips & café\u00a0… and naïve ¡olé!")]
    [InlineData("Москва, 東京, القاهرة")]
    public void Correct_text_is_left_alone(string text) => Assert.Equal(text, TextRepair.Repair(text));
}
