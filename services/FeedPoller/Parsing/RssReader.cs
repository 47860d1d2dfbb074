using System.Xml.Linq;
using static Monitoring.FeedPoller.Parsing.FeedNamespaces;
using static Monitoring.FeedPoller.Parsing.XmlFeedReading;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// RSS 0.90, 0.91 (Netscape and UserLand), 0.92–0.94, 2.0 and RSS 1.0 (RDF), with the modules real feeds use:
/// content:encoded, Dublin Core, Media RSS, syndication, iTunes, FeedBurner's original link, atom:link.
/// Element names are matched ignoring case, as lenient readers do.
/// </summary>
internal static class RssReader
{
    public static FeedDocument Read(XElement root, Uri? documentUri, int maxEntries, bool netscapeDoctype, List<string> problems)
    {
        var isRdf = root.Name.LocalName.Equals("RDF", StringComparison.OrdinalIgnoreCase);
        var rssNamespace = root.Name.Namespace;
        XNamespace[] own = isRdf
            ? [root.Elements().FirstOrDefault(e => e.Name.LocalName == "channel")?.Name.Namespace ?? Rss10, XNamespace.None]
            : [XNamespace.None, rssNamespace, Rss10];
        var format = isRdf ? RdfFormat(root) : RssFormat(root, netscapeDoctype);

        var channel = Child(root, "channel", own) ?? (isRdf ? null : root.Name.LocalName == "channel" ? root : null);
        // A feed without a channel is empty, not broken: readers (feedparser among them) accept it.

        // RSS 1.0 keeps items (and image, textinput) beside the channel; some RSS 2.0 feeds put them there too.
        var itemParent = isRdf || channel is null ? root : channel;
        var items = Children(itemParent, "item", own).ToList();
        if (!isRdf && items.Count == 0) items = Children(root, "item", own).ToList();
        if (items.Count > maxEntries)
        {
            problems.Add($"feed has {items.Count} items; only the first {maxEntries} are read");
            items = items.Take(maxEntries).ToList();
        }

        var scope = channel ?? root;
        var channelBase = BaseOf(scope, documentUri);
        var channelLink = Resolve(Text(Child(scope, "link", own)), channelBase);
        var atomLinks = AtomLinks(scope, channelBase);
        channelLink ??= atomLinks.FirstOrDefault(l => l.Rel is null or "alternate")?.Href;
        // Relative item links resolve against the feed's own address, or the channel's link for a local file.
        var itemBase = channelBase ?? (channelLink is not null && Uri.TryCreate(channelLink, UriKind.Absolute, out var home) && home.Scheme is "http" or "https" ? home : null);
        var language = Text(Child(scope, "language", own)) ?? Text(Child(scope, "language", DcNs)) ?? LanguageOf(scope);

        var links = new List<FeedLink>();
        if (channelLink is not null) links.Add(new FeedLink(channelLink));
        links.AddRange(atomLinks.Where(l => l.Href != channelLink || l.Rel is not (null or "alternate")));

        var pubDate = Text(Child(scope, "pubDate", own));
        var lastBuild = Text(Child(scope, "lastBuildDate", own)) ?? Text(Child(scope, "date", DcNs)) ?? Text(Child(scope, "modified", DcTermsNs));
        var ttl = XmlFeedReading.Long(Text(Child(scope, "ttl", own)));
        // RSS 1.0 points to its image from the channel and describes it beside the channel.
        var image = Children(scope, "image", own).Concat(isRdf ? Children(root, "image", own) : []).FirstOrDefault(i => Child(i, "url", own) is not null);

        return new FeedDocument
        {
            Format = format,
            Title = TextOf(Child(scope, "title", own)) ?? TextOf(Child(scope, "title", DcNs)),
            Link = channelLink,
            Links = links,
            Description = TextOf(Child(scope, "description", own)) ?? TextOf(Child(scope, "summary", ItunesNs)) ?? TextOf(Child(scope, "description", DcNs)),
            Language = language,
            Published = FeedDates.Parse(pubDate),
            PublishedText = pubDate,
            Updated = FeedDates.Parse(lastBuild),
            UpdatedText = lastBuild,
            Authors = new[] { Text(Child(scope, "managingEditor", own)), Text(Child(scope, "creator", DcNs)), Text(Child(scope, "author", ItunesNs)) }
                .Select(Person).OfType<FeedPerson>().ToList(),
            Categories = Categories(scope, own),
            Generator = Text(Child(scope, "generator", own)),
            Rights = Text(Child(scope, "copyright", own)) ?? Text(Child(scope, "rights", DcNs)),
            ImageUrl = Resolve(Text(image is null ? null : Child(image, "url", own)), channelBase),
            UpdateHint = new FeedUpdateHint(
                ttl is > 0 and < 525_600 ? TimeSpan.FromMinutes(ttl.Value) : null,
                Text(Child(scope, "updatePeriod", SyNs)),
                (int?)XmlFeedReading.Long(Text(Child(scope, "updateFrequency", SyNs)))),
            Entries = items.Select(item => Entry(item, own, documentUri, itemBase, language)).ToList(),
        };
    }

    private static FeedEntry Entry(XElement item, XNamespace[] own, Uri? documentUri, Uri? fallbackBase, string? feedLanguage)
    {
        var itemBase = item.Attribute(XNamespace.Xml + "base") is not null ? BaseOf(item, documentUri) : fallbackBase ?? BaseOf(item, documentUri);
        var guidElement = Child(item, "guid", own);
        var guid = Text(guidElement);
        var guidIsPermaLink = !string.Equals(Attribute(guidElement, "isPermaLink"), "false", StringComparison.OrdinalIgnoreCase);
        var rdfAbout = item.Attribute(RdfNs + "about")?.Value.Trim();

        var link = Text(Child(item, "origLink", FeedburnerNs)) ?? Text(Child(item, "link", own));
        var atomLinks = AtomLinks(item, itemBase);
        link ??= atomLinks.FirstOrDefault(l => l.Rel is null or "alternate")?.Href;
        if (link is null && guid is not null && guidIsPermaLink && guid.StartsWith("http", StringComparison.OrdinalIgnoreCase)) link = guid;
        link = Resolve(link, itemBase);

        var links = new List<FeedLink>();
        if (link is not null) links.Add(new FeedLink(link, "alternate"));
        links.AddRange(atomLinks.Where(l => l.Href != link));

        var enclosures = Children(item, "enclosure", own)
            .Select(e => (Url: Resolve(Attribute(e, "url") ?? Attribute(e, "href"), itemBase), e))
            .Where(x => x.Url is not null)
            .Select(x => new FeedEnclosure(x.Url!, Attribute(x.e, "type"), XmlFeedReading.Long(Attribute(x.e, "length"))))
            .ToList();
        enclosures.AddRange(item.Descendants(MediaNs + "content")
            .Select(e => Resolve(Attribute(e, "url"), itemBase) is { } url ? new FeedEnclosure(url, Attribute(e, "type"), XmlFeedReading.Long(Attribute(e, "fileSize"))) : null)
            .OfType<FeedEnclosure>()
            .Where(m => enclosures.All(e => e.Url != m.Url)));

        var contents = new List<FeedText>();
        foreach (var encoded in Children(item, "encoded", ContentNs).Concat(Children(item, "encoded", XNamespace.None, XNamespace.Get("urn:x-undeclared:content"))))
        {
            if (Text(encoded) is { } html) contents.Add(new FeedText(html, FeedTextType.Html, LanguageOf(encoded), MediaType: "text/html"));
        }
        if (Child(item, "body", XhtmlNs) is { } body) contents.Add(new FeedText(InnerXhtml(body), FeedTextType.Xhtml, MediaType: "application/xhtml+xml"));
        // Older full-text conventions some publishers still use: <fullitem> and a plain <summary> beside <description>.
        foreach (var element in Children(item, "fullitem", own).Concat(Children(item, "summary", own)))
            if (TextOf(element) is { } full) contents.Add(full with { MediaType = "text/html" });

        var description = TextOf(Child(item, "description", own))
                          ?? TextOf(Child(item, "summary", ItunesNs))
                          ?? TextOf(item.Descendants(MediaNs + "description").FirstOrDefault())
                          ?? TextOf(Child(item, "description", DcNs));

        var published = Text(Child(item, "pubDate", own)) ?? Text(Child(item, "date", DcNs)) ?? Text(Child(item, "issued", DcTermsNs)) ?? Text(Child(item, "created", DcTermsNs));
        // Dublin Core's date is the item's date of record: its publication date for readers, its update date for feedparser.
        var updated = Text(Child(item, "modified", DcTermsNs)) ?? Text(Child(item, "updated", AtomNs)) ?? Text(Child(item, "date", DcNs));
        var source = Child(item, "source", own);

        var authors = Children(item, "author", own).Select(a => Person(Text(a)))
            .Concat(Children(item, "creator", DcNs).Select(a => Person(Text(a))))
            .Concat(Children(item, "author", ItunesNs).Select(a => Person(Text(a))))
            .OfType<FeedPerson>().ToList();

        return new FeedEntry
        {
            Id = guid ?? (string.IsNullOrEmpty(rdfAbout) ? null : rdfAbout),
            Title = TextOf(Child(item, "title", own)) ?? TextOf(Child(item, "title", DcNs)) ?? TextOf(item.Descendants(MediaNs + "title").FirstOrDefault()),
            Link = link,
            Links = links,
            Summary = description,
            Contents = contents,
            Published = FeedDates.Parse(published),
            PublishedText = published,
            Updated = FeedDates.Parse(updated),
            UpdatedText = updated,
            Authors = authors,
            Categories = Categories(item, own),
            Enclosures = enclosures,
            Language = Text(Child(item, "language", DcNs)) ?? LanguageOf(item) ?? feedLanguage,
            Source = source is null ? null : new FeedSource(Text(source), Resolve(Attribute(source, "url"), itemBase)),
            Comments = Resolve(Text(Child(item, "comments", own)), itemBase),
        };
    }

    /// <summary>RSS titles and descriptions are HTML in practice (escaped or in CDATA); plain text reads the same through an HTML parser.</summary>
    private static FeedText? TextOf(XElement? element)
    {
        if (element is null) return null;
        if (element.Elements().Any() && element.Elements().All(e => e.Name.Namespace == XhtmlNs))
            return new FeedText(InnerXhtml(element), FeedTextType.Xhtml, LanguageOf(element));
        // Unescaped markup inside a description is HTML the publisher forgot to escape: keep it as HTML.
        if (element.HasElements) return new FeedText(InnerXhtml(element), FeedTextType.Html, LanguageOf(element));
        return Text(element) is { } value ? new FeedText(value, FeedTextType.Html, LanguageOf(element)) : null;
    }

    private static List<FeedCategory> Categories(XElement parent, XNamespace[] own) =>
        Children(parent, "category", own)
            .Select(c => Text(c) is { } term ? new FeedCategory(term, Attribute(c, "domain")) : null)
            .Concat(Children(parent, "subject", DcNs).Select(c => Text(c) is { } term ? new FeedCategory(term) : null))
            .OfType<FeedCategory>()
            .ToList();

    private static List<FeedLink> AtomLinks(XElement parent, Uri? baseUri) =>
        parent.Elements(AtomNs + "link")
            .Select(l => Resolve(Attribute(l, "href"), baseUri) is { } href
                ? new FeedLink(href, Attribute(l, "rel"), Attribute(l, "type"), Attribute(l, "title"), XmlFeedReading.Long(Attribute(l, "length")), Attribute(l, "hreflang"))
                : null)
            .OfType<FeedLink>()
            .ToList();

    private static FeedFormat RssFormat(XElement root, bool netscapeDoctype) => Attribute(root, "version") switch
    {
        { } v when v.StartsWith('2') => FeedFormat.Rss20,
        "0.91" => netscapeDoctype ? FeedFormat.Rss091Netscape : FeedFormat.Rss091Userland,
        "0.92" => FeedFormat.Rss092,
        "0.93" => FeedFormat.Rss093,
        "0.94" => FeedFormat.Rss094,
        "0.90" or "0.9" => FeedFormat.Rss090,
        _ => FeedFormat.RssUnversioned,
    };

    private static FeedFormat RdfFormat(XElement root) =>
        root.GetDefaultNamespace() == Rss090 || root.Elements().Any(e => e.Name.Namespace == Rss090) ? FeedFormat.Rss090 : FeedFormat.Rss10;
}
