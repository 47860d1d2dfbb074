using System.Xml;
using System.Xml.Linq;

namespace Monitoring.FeedPoller.Feeds;

/// <summary>A feed the operator asked to watch.</summary>
public sealed record FeedSubscription(Uri Url, string? Title, string? Language);

/// <summary>Reads the operator's OPML feed list (every <c>outline</c> with an <c>xmlUrl</c>, nested or not).</summary>
public static class FeedList
{
    public static IReadOnlyList<FeedSubscription> Load(string path)
    {
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        using var reader = XmlReader.Create(path, SafeXml.ReaderSettings());
        var document = XDocument.Load(reader);
        return document.Descendants("outline")
            .Select(outline => (Url: (string?)outline.Attribute("xmlUrl"), Outline: outline))
            .Where(x => !string.IsNullOrWhiteSpace(x.Url))
            .Select(x => new FeedSubscription(
                Resolve(x.Url!.Trim(), baseDirectory),
                (string?)x.Outline.Attribute("title") ?? (string?)x.Outline.Attribute("text"),
                (string?)x.Outline.Attribute("language")))
            .DistinctBy(f => f.Url.AbsoluteUri)
            .ToList();
    }

    /// <summary>Absolute URLs as given; a relative file path is resolved against the OPML file's folder.</summary>
    private static Uri Resolve(string url, string baseDirectory)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "file")
        {
            return absolute;
        }
        if (url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            // file:relative/path.xml — relative to the feed list, so the bundled demo feed works from any checkout.
            return new Uri(Path.GetFullPath(Path.Combine(baseDirectory, url["file:".Length..].TrimStart('/'))));
        }
        throw new FormatException($"Feed URL '{url}' is neither http(s) nor file://.");
    }
}
