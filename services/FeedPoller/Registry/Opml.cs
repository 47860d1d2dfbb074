using System.Xml;
using System.Xml.Linq;

namespace Monitoring.FeedPoller.Registry;

/// <summary>A feed someone asked to watch, as an OPML outline names it.</summary>
public sealed record FeedSubscription(Uri Url, string? Title, string? Language);

/// <summary>
/// OPML feed lists: every <c>outline</c> with an <c>xmlUrl</c>, nested or not, in; the registry out.
/// The operator's own list may name local files (<c>file:relative/path.xml</c> resolves against the list's folder);
/// a list uploaded through the API may not.
/// </summary>
public static class Opml
{
    private static readonly XmlReaderSettings Safe = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 16L * 1024 * 1024,
    };

    /// <summary>The operator's feed list file.</summary>
    public static IReadOnlyList<FeedSubscription> Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <param name="fileBaseDirectory">Folder that <c>file:</c> outlines resolve against; null refuses them.</param>
    public static IReadOnlyList<FeedSubscription> Read(Stream opml, string? fileBaseDirectory)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(opml, Safe);
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new FormatException("The feed list is not valid OPML: " + e.Message, e);
        }
        return document.Descendants("outline")
            .Select(outline => (Url: (string?)outline.Attribute("xmlUrl"), Outline: outline))
            .Where(x => !string.IsNullOrWhiteSpace(x.Url))
            .Select(x => new FeedSubscription(
                Resolve(x.Url!.Trim(), fileBaseDirectory),
                (string?)x.Outline.Attribute("title") ?? (string?)x.Outline.Attribute("text"),
                (string?)x.Outline.Attribute("language")))
            .DistinctBy(f => f.Url.AbsoluteUri)
            .ToList();
    }

    public static string Export(IEnumerable<FeedRecord> feeds, DateTimeOffset now)
    {
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement("opml", new XAttribute("version", "2.0"),
                new XElement("head", new XElement("title", "Monitoring feeds"), new XElement("dateCreated", now.ToString("r"))),
                new XElement("body", feeds.Select(f => new XElement("outline",
                    new XAttribute("type", "rss"),
                    new XAttribute("text", f.Title ?? f.FeedTitle ?? f.Url.Host),
                    f.Title is null ? null : new XAttribute("title", f.Title),
                    f.Language is null ? null : new XAttribute("language", f.Language),
                    new XAttribute("xmlUrl", f.Url.IsFile ? f.Url.AbsoluteUri : f.Url.OriginalString),
                    f.Paused ? new XAttribute("paused", "true") : null)))));
        return document.Declaration + Environment.NewLine + document.Root;
    }

    /// <summary>Absolute http(s) URLs as given; file URLs only with a base folder, relative ones resolved against it.</summary>
    private static Uri Resolve(string url, string? fileBaseDirectory)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https") return absolute;
        if (url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (fileBaseDirectory is null) throw new FormatException($"Feed URL '{url}' is a local file; only the operator's feed list may name files.");
            if (absolute is { IsFile: true } && url.StartsWith("file:///", StringComparison.OrdinalIgnoreCase)) return absolute;
            // file:relative/path.xml — relative to the feed list, so the bundled demo feed works from any checkout.
            return new Uri(Path.GetFullPath(Path.Combine(fileBaseDirectory, url["file:".Length..].TrimStart('/'))));
        }
        throw new FormatException($"Feed URL '{url}' is neither http(s) nor file:.");
    }
}
