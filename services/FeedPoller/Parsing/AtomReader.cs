using System.Text;
using System.Xml.Linq;
using static Monitoring.FeedPoller.Parsing.FeedNamespaces;
using static Monitoring.FeedPoller.Parsing.XmlFeedReading;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>Atom 1.0 (RFC 4287) and the older Atom 0.3, with xml:base, xml:lang and text constructs of every type.</summary>
internal static class AtomReader
{
    public static FeedDocument Read(XElement feed, Uri? documentUri, int maxEntries, List<string> problems)
    {
        var ns = feed.Name.Namespace;
        var isAtom03 = ns == Atom03 || (ns == XNamespace.None && Attribute(feed, "version") == "0.3");
        var feedBase = BaseOf(feed, documentUri);
        var links = Links(feed, ns, documentUri);
        var entries = feed.Elements(ns + "entry").ToList();
        if (entries.Count > maxEntries)
        {
            problems.Add($"feed has {entries.Count} entries; only the first {maxEntries} are read");
            entries = entries.Take(maxEntries).ToList();
        }
        var updated = Text(feed.Element(ns + "updated")) ?? Text(feed.Element(ns + "modified"));
        var published = Text(feed.Element(ns + "published")) ?? Text(feed.Element(ns + "issued"));

        return new FeedDocument
        {
            Format = isAtom03 ? FeedFormat.Atom03 : FeedFormat.Atom10,
            Id = Text(feed.Element(ns + "id")),
            Title = TextConstruct(feed.Element(ns + "title")),
            Link = AlternateLink(links),
            Links = links,
            Description = TextConstruct(feed.Element(ns + "subtitle")) ?? TextConstruct(feed.Element(ns + "tagline")),
            Language = LanguageOf(feed),
            Published = FeedDates.Parse(published),
            PublishedText = published,
            Updated = FeedDates.Parse(updated),
            UpdatedText = updated,
            Authors = People(feed, ns, "author"),
            Categories = Categories(feed, ns),
            Generator = Text(feed.Element(ns + "generator")),
            Rights = Text(feed.Element(ns + "rights")) ?? Text(feed.Element(ns + "copyright")),
            Icon = Resolve(Text(feed.Element(ns + "icon")), feedBase),
            ImageUrl = Resolve(Text(feed.Element(ns + "logo")), feedBase),
            Entries = entries.Select(e => Entry(e, ns, documentUri)).ToList(),
        };
    }

    /// <summary>A single Atom entry document (RFC 4287 section 4.1.2 allows one as a top-level element).</summary>
    public static FeedDocument ReadEntryDocument(XElement entry, Uri? documentUri) => new()
    {
        Format = FeedFormat.Atom10,
        Entries = [Entry(entry, entry.Name.Namespace, documentUri)],
        Language = LanguageOf(entry),
    };

    private static FeedEntry Entry(XElement entry, XNamespace ns, Uri? documentUri)
    {
        var links = Links(entry, ns, documentUri);
        var published = Text(entry.Element(ns + "published")) ?? Text(entry.Element(ns + "issued")) ?? Text(entry.Element(ns + "created"))
                        ?? Text(entry.Element(DcNs + "date"));
        var updated = Text(entry.Element(ns + "updated")) ?? Text(entry.Element(ns + "modified"));
        var contents = entry.Elements(ns + "content").Select(c => TextConstruct(c, documentUri)).OfType<FeedText>().ToList();
        var media = entry.Descendants(MediaNs + "description").FirstOrDefault();
        var source = entry.Element(ns + "source");
        var enclosures = links.Where(l => l.Rel == "enclosure").Select(l => new FeedEnclosure(l.Href, l.MediaType, l.Length)).ToList();

        return new FeedEntry
        {
            Id = Text(entry.Element(ns + "id")),
            Title = TextConstruct(entry.Element(ns + "title")) ?? TextConstruct(entry.Descendants(MediaNs + "title").FirstOrDefault()),
            Link = AlternateLink(links),
            Links = links,
            Summary = TextConstruct(entry.Element(ns + "summary")) ?? (media is null ? null : TextConstruct(media)),
            Contents = contents,
            Published = FeedDates.Parse(published),
            PublishedText = published,
            Updated = FeedDates.Parse(updated),
            UpdatedText = updated,
            Authors = EntryAuthors(entry, ns),
            Categories = Categories(entry, ns),
            Enclosures = enclosures,
            Language = LanguageOf(entry),
            Source = source is null ? null : new FeedSource(Text(source.Element(ns + "title")), AlternateLink(Links(source, ns, documentUri))),
        };
    }

    /// <summary>An entry's own authors, else the feed's (RFC 4287: entries inherit the feed's author).</summary>
    private static List<FeedPerson> EntryAuthors(XElement entry, XNamespace ns)
    {
        var own = People(entry, ns, "author");
        return own.Count > 0 || entry.Parent is null ? own : People(entry.Parent, ns, "author");
    }

    private static string? AlternateLink(IReadOnlyList<FeedLink> links) =>
        (links.FirstOrDefault(l => l.Rel is null or "alternate" && l.MediaType is null or "text/html" or "application/xhtml+xml")
         ?? links.FirstOrDefault(l => l.Rel is null or "alternate"))?.Href;

    private static List<FeedLink> Links(XElement parent, XNamespace ns, Uri? documentUri) =>
        parent.Elements(ns + "link")
            .Select(l => Resolve(Attribute(l, "href") ?? Text(l), BaseOf(l, documentUri)) is { } href
                ? new FeedLink(href, Attribute(l, "rel") ?? "alternate", Attribute(l, "type"), Attribute(l, "title"),
                    XmlFeedReading.Long(Attribute(l, "length")), Attribute(l, "hreflang"))
                : null)
            .OfType<FeedLink>()
            .ToList();

    private static List<FeedPerson> People(XElement parent, XNamespace ns, string role) =>
        parent.Elements(ns + role)
            .Select(p => new FeedPerson(Text(p.Element(ns + "name")) ?? (p.HasElements ? null : Text(p)), Text(p.Element(ns + "email")),
                Text(p.Element(ns + "uri")) ?? Text(p.Element(ns + "url"))))
            .Where(p => p.Name is not null || p.Email is not null || p.Uri is not null)
            .Concat(parent.Elements(DcNs + "creator").Select(c => XmlFeedReading.Person(Text(c))).OfType<FeedPerson>())
            .ToList();

    private static List<FeedCategory> Categories(XElement parent, XNamespace ns) =>
        parent.Elements(ns + "category")
            .Select(c => (Attribute(c, "term") ?? Text(c)) is { } term ? new FeedCategory(term, Attribute(c, "scheme"), Attribute(c, "label")) : null)
            .Concat(parent.Elements(DcNs + "subject").Select(s => Text(s) is { } term ? new FeedCategory(term) : null))
            .OfType<FeedCategory>()
            .ToList();

    /// <summary>
    /// An Atom text construct: type text, html or xhtml (Atom 1.0), a MIME type with mode escaped, xml or base64
    /// (Atom 0.3), or out-of-line content with src.
    /// </summary>
    private static FeedText? TextConstruct(XElement? element, Uri? documentUri = null)
    {
        if (element is null) return null;
        var type = Attribute(element, "type")?.ToLowerInvariant() ?? "text";
        var mode = Attribute(element, "mode")?.ToLowerInvariant();
        var language = LanguageOf(element);
        var src = Attribute(element, "src") is { } s ? Resolve(s, BaseOf(element, documentUri)) : null;

        // Atom 1.0 carries content of any other media type base64-encoded (RFC 4287 section 4.1.3.3).
        var base64 = mode == "base64" || (element.Name.LocalName == "content" && src is null && type.Contains('/')
                                          && !type.StartsWith("text/", StringComparison.Ordinal) && !type.EndsWith("xml", StringComparison.Ordinal));
        if (base64)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(element.Value.Trim()));
                return new FeedText(decoded, type.Contains("html") ? FeedTextType.Html : FeedTextType.Text, language, src, type);
            }
            catch (FormatException)
            {
                return null;
            }
        }
        if (type is "xhtml" or "application/xhtml+xml" || mode == "xml" || (element.HasElements && type is not ("text" or "text/plain")))
            return new FeedText(InnerXhtml(element), FeedTextType.Xhtml, language, src, type);
        var value = element.Value.Trim();
        if (value.Length == 0 && src is null) return null;
        var textType = type is "html" or "text/html" || mode == "escaped" ? FeedTextType.Html : FeedTextType.Text;
        return new FeedText(value, textType, language, src, type);
    }
}
