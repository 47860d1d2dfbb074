using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// Parses RSS 2.0 and Atom 1.0 documents. DTDs are refused, so XXE and entity bombs fail with a clear error.
/// </summary>
public static partial class FeedParser
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";

    public static ParsedFeed Parse(Stream stream, Uri? baseUri = null)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(stream, SafeXml.ReaderSettings());
            document = XDocument.Load(reader);
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeedFormatException("feed declares a DTD, which is refused (external entities and entity expansion are not processed)", e);
        }
        catch (XmlException e)
        {
            throw new FeedFormatException($"feed is not well-formed XML: {e.Message}", e);
        }

        var root = document.Root ?? throw new FeedFormatException("feed is empty");
        return root.Name.LocalName switch
        {
            "rss" => ParseRss(root, baseUri),
            "feed" when root.Name.Namespace == Atom => ParseAtom(root, baseUri),
            _ => throw new FeedFormatException($"unknown feed format: root element <{root.Name.LocalName}>"),
        };
    }

    private static ParsedFeed ParseRss(XElement rss, Uri? baseUri)
    {
        var channel = rss.Element("channel") ?? throw new FeedFormatException("RSS feed has no <channel>");
        var language = Text(channel.Element("language"));
        var items = channel.Elements("item").Select(item => new ParsedItem(
                Text(item.Element("guid")),
                HtmlToText(Text(item.Element("title")) ?? ""),
                Absolute(Text(item.Element("link")), baseUri),
                Date(Text(item.Element("pubDate")) ?? Text(item.Element(Dc + "date"))),
                HtmlToText(Text(item.Element(Content + "encoded")) ?? Text(item.Element("description")) ?? ""),
                Text(item.Element(Dc + "language")) ?? language))
            .ToList();
        return new ParsedFeed(Text(channel.Element("title")), Absolute(Text(channel.Element("link")), baseUri), language, items);
    }

    private static ParsedFeed ParseAtom(XElement feed, Uri? baseUri)
    {
        var language = (string?)feed.Attribute(XNamespace.Xml + "lang");
        var items = feed.Elements(Atom + "entry").Select(entry => new ParsedItem(
                Text(entry.Element(Atom + "id")),
                HtmlToText(Text(entry.Element(Atom + "title")) ?? ""),
                Absolute(AtomLink(entry), baseUri),
                Date(Text(entry.Element(Atom + "published")) ?? Text(entry.Element(Atom + "updated"))),
                HtmlToText(Text(entry.Element(Atom + "content")) ?? Text(entry.Element(Atom + "summary")) ?? ""),
                (string?)entry.Attribute(XNamespace.Xml + "lang") ?? language))
            .ToList();
        return new ParsedFeed(Text(feed.Element(Atom + "title")), Absolute(AtomLink(feed), baseUri), language, items);
    }

    private static string? AtomLink(XElement element) =>
        element.Elements(Atom + "link")
            .Where(l => (string?)l.Attribute("rel") is null or "alternate")
            .Select(l => (string?)l.Attribute("href"))
            .FirstOrDefault(h => !string.IsNullOrWhiteSpace(h));

    private static string? Text(XElement? element) =>
        element is null || string.IsNullOrWhiteSpace(element.Value) ? null : element.Value.Trim();

    private static string? Absolute(string? link, Uri? baseUri)
    {
        if (string.IsNullOrWhiteSpace(link)) return null;
        // On Unix "/a/1" parses as an absolute file path; in a feed it is a path relative to the base.
        if (!link.StartsWith('/') && Uri.TryCreate(link, UriKind.Absolute, out var absolute)) return absolute.AbsoluteUri;
        return baseUri is not null && Uri.TryCreate(baseUri, link, out var resolved) ? resolved.AbsoluteUri : link;
    }

    private static DateTimeOffset? Date(string? text)
    {
        if (text is null) return null;
        // RFC 822 with a zone name .NET does not know ("EST", "GMT") is the common case in RSS.
        var cleaned = ZoneName().Replace(text.Trim(), m => m.Groups[1].Value switch
        {
            "GMT" or "UT" or "UTC" or "Z" => "+0000",
            "EST" => "-0500", "EDT" => "-0400", "CST" => "-0600", "CDT" => "-0500",
            "MST" => "-0700", "MDT" => "-0600", "PST" => "-0800", "PDT" => "-0700",
            var other => other,
        });
        string[] formats =
        [
            "ddd, d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm zzz",
            "ddd, d MMM yyyy HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd",
        ];
        cleaned = cleaned.Replace("+0000", "+00:00");
        cleaned = OffsetWithoutColon().Replace(cleaned, "$1:$2");
        if (DateTimeOffset.TryParseExact(cleaned, formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out var exact))
        {
            return exact.ToUniversalTime();
        }
        return DateTimeOffset.TryParse(cleaned, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var loose)
            ? loose.ToUniversalTime()
            : null;
    }

    /// <summary>Tags removed, entities decoded, whitespace collapsed.</summary>
    public static string HtmlToText(string html)
    {
        if (html.Length == 0) return html;
        var withoutScripts = ScriptOrStyle().Replace(html, " ");
        var withBreaks = BlockTag().Replace(withoutScripts, "\n");
        var text = WebUtility.HtmlDecode(AnyTag().Replace(withBreaks, " "));
        return Whitespace().Replace(text, m => m.Value.Contains('\n') ? "\n" : " ").Trim();
    }

    [GeneratedRegex(@"\b(GMT|UTC|UT|Z|EST|EDT|CST|CDT|MST|MDT|PST|PDT)$")]
    private static partial Regex ZoneName();

    [GeneratedRegex(@"([+-]\d\d)(\d\d)$")]
    private static partial Regex OffsetWithoutColon();

    [GeneratedRegex(@"<(script|style)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<\s*(br|/p|/div|/li|/h\d)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
