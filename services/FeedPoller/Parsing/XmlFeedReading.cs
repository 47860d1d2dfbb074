using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>What the RSS and Atom readers share: element text, xml:base and xml:lang inheritance, link resolution.</summary>
internal static partial class XmlFeedReading
{
    public static string? Text(XElement? element)
    {
        if (element is null) return null;
        var value = element.Value.Trim();
        return value.Length == 0 ? null : value;
    }

    public static string? Attribute(XElement? element, string name)
    {
        var value = element?.Attribute(name)?.Value.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>The children of an element with this local name, in any of the given namespaces, names compared ignoring case.</summary>
    public static IEnumerable<XElement> Children(XElement parent, string localName, params XNamespace[] namespaces) =>
        parent.Elements().Where(e => e.Name.LocalName.Equals(localName, StringComparison.OrdinalIgnoreCase)
                                     && (namespaces.Length == 0 || namespaces.Contains(e.Name.Namespace)));

    public static XElement? Child(XElement parent, string localName, params XNamespace[] namespaces) =>
        Children(parent, localName, namespaces).FirstOrDefault();

    /// <summary>The base URI in effect at an element: the document's address refined by every xml:base above it.</summary>
    public static Uri? BaseOf(XElement element, Uri? documentUri)
    {
        var bases = element.AncestorsAndSelf().Select(e => e.Attribute(XNamespace.Xml + "base")?.Value.Trim())
            .OfType<string>().Where(b => b.Length > 0).Reverse();
        var current = documentUri is { Scheme: "http" or "https" } ? documentUri : null;
        foreach (var value in bases)
        {
            if (IsAbsoluteWeb(value, out var absolute)) current = absolute;
            else if (current is not null && Uri.TryCreate(current, value, out var combined)) current = combined;
        }
        return current;
    }

    public static string? LanguageOf(XElement element) =>
        element.AncestorsAndSelf().Select(e => e.Attribute(XNamespace.Xml + "lang")?.Value.Trim()).FirstOrDefault(l => !string.IsNullOrEmpty(l));

    /// <summary>An absolute link as is; a relative one resolved against the base when there is one.</summary>
    public static string? Resolve(string? href, Uri? baseUri)
    {
        if (string.IsNullOrWhiteSpace(href)) return null;
        href = href.Trim();
        if (IsAbsoluteWeb(href, out _)) return href;
        if (!href.StartsWith('/') && Uri.TryCreate(href, UriKind.Absolute, out _)) return href; // mailto:, tag:, urn: ...
        return baseUri is not null && Uri.TryCreate(baseUri, href, out var resolved) ? resolved.AbsoluteUri : href;
    }

    private static bool IsAbsoluteWeb(string value, out Uri uri)
    {
        // On Unix "/a/1" parses as an absolute file path; in a feed it is a path relative to the base.
        if (!value.StartsWith('/') && Uri.TryCreate(value, UriKind.Absolute, out uri!) && uri.Scheme is "http" or "https") return true;
        uri = null!;
        return false;
    }

    /// <summary>"jane@example.com (Jane Doe)", "Jane Doe &lt;jane@example.com&gt;" or just a name or an address.</summary>
    public static FeedPerson? Person(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        var match = EmailWithName().Match(text);
        if (match.Success) return new FeedPerson(match.Groups[2].Value.Trim(), match.Groups[1].Value);
        match = NameWithEmail().Match(text);
        if (match.Success) return new FeedPerson(match.Groups[1].Value.Trim(), match.Groups[2].Value);
        return text.Contains('@') && !text.Contains(' ') ? new FeedPerson(null, text) : new FeedPerson(text);
    }

    /// <summary>Inline XHTML content as markup text, without the namespace declarations the XML parser added.</summary>
    public static string InnerXhtml(XElement element)
    {
        var container = element.Elements().Count() == 1 && element.Elements().First() is { } only && only.Name.LocalName == "div"
                        && string.IsNullOrWhiteSpace(string.Concat(element.Nodes().OfType<XText>().Select(t => t.Value)))
            ? only
            : element;
        var markup = string.Concat(container.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting)));
        return XhtmlNamespaceNoise().Replace(markup, "").Replace("<xhtml:", "<").Replace("</xhtml:", "</").Trim();
    }

    public static long? Long(string? text) => long.TryParse(text?.Trim(), out var value) && value >= 0 ? value : null;

    [GeneratedRegex(@"^(\S+@\S+)\s*\((.+)\)$")]
    private static partial Regex EmailWithName();

    [GeneratedRegex(@"^(.+?)\s*<(\S+@\S+)>$")]
    private static partial Regex NameWithEmail();

    [GeneratedRegex(@"\s+xmlns(:\w+)?=""[^""]*""")]
    private static partial Regex XhtmlNamespaceNoise();
}
