using System.Xml.Linq;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>Bounds on what one feed document may cost to parse.</summary>
public sealed record ParseLimits(int MaxEntries = 2_000, long MaxCharacters = 32L * 1024 * 1024)
{
    public static readonly ParseLimits Default = new();
}

/// <summary>
/// Reads any feed format from its bytes: decodes the text (BOM, HTTP charset, XML declaration, detection),
/// tells JSON Feed from XML, and hands the XML root to the RSS or Atom reader. Every failure is a
/// <see cref="FeedFormatException"/> with a one-line message; nothing else escapes.
/// </summary>
public static class FeedParser
{
    /// <param name="contentLanguage">The HTTP Content-Language, the feed's language when the feed itself does not say.</param>
    public static FeedDocument Parse(ReadOnlySpan<byte> bytes, string? contentType = null, Uri? documentUri = null, ParseLimits? limits = null,
        string? contentLanguage = null)
    {
        limits ??= ParseLimits.Default;
        if (bytes.Length == 0) throw new FeedFormatException("feed is empty");
        var decoded = FeedDecoding.Decode(bytes, contentType);
        if (decoded.Text.Length > limits.MaxCharacters)
            throw new FeedFormatException($"feed is longer than {limits.MaxCharacters} characters");
        var problems = new List<string>(decoded.Problems);
        try
        {
            var document = ParseText(decoded.Text, documentUri, limits, problems);
            document.Encoding = decoded.Encoding;
            if (document.Language is null && !string.IsNullOrWhiteSpace(contentLanguage)) document.Language = contentLanguage.Split(',')[0].Trim();
            document.Problems.AddRange(problems);
            return document;
        }
        catch (Exception e) when (e is not FeedFormatException and not OutOfMemoryException)
        {
            // A reader bug on strange input must still be a clear per-feed error, never a crashed poller.
            throw new FeedFormatException($"feed could not be read ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static FeedDocument ParseText(string text, Uri? documentUri, ParseLimits limits, List<string> problems)
    {
        var first = text.AsSpan().TrimStart().TrimStart('\uFEFF').TrimStart();
        if (first.IsEmpty) throw new FeedFormatException("feed is empty");
        if (first[0] is '{' or '[') return JsonFeedReader.Read(first.ToString(), documentUri, limits.MaxEntries, problems);

        var document = XmlFeedLoader.Load(text, problems, limits.MaxCharacters);
        var root = document.Root ?? throw new FeedFormatException("feed is empty");
        var name = root.Name.LocalName;
        var ns = root.Name.NamespaceName;
        if (name.Equals("rss", StringComparison.OrdinalIgnoreCase) || (name == "RDF" && (ns == FeedNamespaces.Rdf || ns.StartsWith("urn:x-undeclared:", StringComparison.Ordinal))))
        {
            var netscape = text.AsSpan(0, Math.Min(text.Length, 2048)).Contains("Netscape Communications//DTD RSS 0.91", StringComparison.OrdinalIgnoreCase);
            return RssReader.Read(root, documentUri, limits.MaxEntries, netscape, problems);
        }
        // A <feed> in no namespace is read as Atom: with version="0.3" it is old Atom, without it a careless one.
        if (name == "feed" && (ns is FeedNamespaces.Atom10 or FeedNamespaces.Atom03 || ns.Length == 0))
            return AtomReader.Read(root, documentUri, limits.MaxEntries, problems);
        if (name == "entry" && ns == FeedNamespaces.Atom10)
            return AtomReader.ReadEntryDocument(root, documentUri);
        if (name == "channel" && root.Elements().Any(e => e.Name.LocalName == "item"))
        {
            problems.Add("RSS channel without an <rss> element");
            return RssReader.Read(new XElement("rss", root), documentUri, limits.MaxEntries, false, problems);
        }
        throw new FeedFormatException($"unknown feed format: root element <{name}>{(ns.Length > 0 ? " in namespace " + ns : "")}");
    }
}
