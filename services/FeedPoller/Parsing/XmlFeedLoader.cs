using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using AngleSharp.Html;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// Loads feed XML safely and leniently. DTDs are never processed: a DOCTYPE that declares entities is refused
/// (so XXE and entity-expansion bombs fail with a clear error and nothing is read or expanded), any other
/// DOCTYPE is ignored. A document that is not well-formed is repaired once the way real feeds need it — HTML
/// named entities, bare ampersands, control characters, undeclared namespace prefixes — and the repair is
/// reported as a problem; what still does not parse (a truncated document) is an error.
/// </summary>
public static partial class XmlFeedLoader
{
    /// <summary>Namespace prefixes feeds commonly use without declaring them.</summary>
    private static readonly Dictionary<string, string> WellKnownPrefixes = new()
    {
        ["content"] = FeedNamespaces.Content, ["dc"] = FeedNamespaces.Dc, ["dcterms"] = FeedNamespaces.DcTerms,
        ["media"] = FeedNamespaces.Media, ["atom"] = FeedNamespaces.Atom10, ["rdf"] = FeedNamespaces.Rdf,
        ["sy"] = FeedNamespaces.Sy, ["itunes"] = FeedNamespaces.Itunes, ["slash"] = "http://purl.org/rss/1.0/modules/slash/",
        ["wfw"] = "http://wellformedweb.org/CommentAPI/", ["feedburner"] = FeedNamespaces.Feedburner,
        ["georss"] = "http://www.georss.org/georss", ["geo"] = "http://www.w3.org/2003/01/geo/wgs84_pos#",
        ["xhtml"] = FeedNamespaces.Xhtml, ["thr"] = "http://purl.org/syndication/thread/1.0",
    };

    public static XDocument Load(string text, List<string> problems, long maxCharacters)
    {
        text = Prepare(text, problems);
        RefuseEntityDeclarations(text);
        try
        {
            return Parse(text, null, maxCharacters);
        }
        catch (XmlException strictError)
        {
            var repaired = Repair(text);
            try
            {
                var document = Parse(repaired, UsedPrefixes(repaired), maxCharacters);
                problems.Add("not well-formed XML, recovered: " + strictError.Message);
                return document;
            }
            catch (XmlException)
            {
                throw new FeedFormatException("feed is not well-formed XML: " + strictError.Message, strictError);
            }
        }
    }

    private static XDocument Parse(string text, Dictionary<string, string>? prefixes, long maxCharacters)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            MaxCharactersFromEntities = 10_000, // defence in depth: with DTDs ignored no entity is ever declared
            MaxCharactersInDocument = maxCharacters,
            IgnoreProcessingInstructions = true,
            CheckCharacters = true,
        };
        XmlParserContext? context = null;
        if (prefixes is not null)
        {
            var names = new NameTable();
            var namespaces = new XmlNamespaceManager(names);
            foreach (var (prefix, uri) in prefixes) namespaces.AddNamespace(prefix, uri);
            context = new XmlParserContext(names, namespaces, null, XmlSpace.None);
        }
        using var reader = XmlReader.Create(new StringReader(text), settings, context);
        var document = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
        RepairText(document);
        return document;
    }

    /// <summary>Mis-encoded text (see <see cref="TextRepair"/>) in every text node and attribute.</summary>
    private static void RepairText(XDocument document)
    {
        foreach (var node in document.DescendantNodes().OfType<XText>())
        {
            var repaired = TextRepair.Repair(node.Value);
            if (!ReferenceEquals(repaired, node.Value)) node.Value = repaired;
        }
        foreach (var attribute in document.Descendants().SelectMany(e => e.Attributes()))
        {
            var repaired = TextRepair.Repair(attribute.Value);
            if (!ReferenceEquals(repaired, attribute.Value)) attribute.Value = repaired;
        }
    }

    /// <summary>Drops what comes before the first tag (whitespace, a stray BOM) and XML declarations that are not first.</summary>
    private static string Prepare(string text, List<string> problems)
    {
        var start = text.IndexOf('<');
        if (start < 0) throw new FeedFormatException(text.Trim().Length == 0 ? "feed is empty" : "feed is not XML: no element found");
        if (start > 0)
        {
            if (text.AsSpan(0, start).Trim().Trim('\uFEFF').Length > 0) problems.Add("text before the first element was ignored");
            text = text[start..];
        }
        var declaration = text.IndexOf("<?xml", 1, StringComparison.Ordinal);
        if (declaration > 0 && declaration < 4096 && text.IndexOf("<?xml", StringComparison.Ordinal) == declaration)
        {
            var end = text.IndexOf("?>", declaration, StringComparison.Ordinal);
            if (end > 0)
            {
                problems.Add("XML declaration was not at the start of the document");
                text = string.Concat(text.AsSpan(0, declaration), text.AsSpan(end + 2));
            }
        }
        return text;
    }

    private static void RefuseEntityDeclarations(string text)
    {
        var doctype = text.IndexOf("<!DOCTYPE", StringComparison.OrdinalIgnoreCase);
        if (doctype < 0) return;
        var firstElement = FirstElement().Match(text, doctype + 9);
        var prolog = firstElement.Success ? text.AsSpan(doctype, firstElement.Index - doctype) : text.AsSpan(doctype);
        if (prolog.Contains("<!ENTITY", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeedFormatException(
                "feed declares entities in its DTD, which is refused: DTD processing is off (no external entities, no entity expansion)");
        }
    }

    /// <summary>
    /// One pass over the text outside CDATA sections and comments: HTML named entities become characters, unknown
    /// entities and bare ampersands become literal text, characters XML forbids are dropped, a lone "&lt;" is escaped.
    /// </summary>
    internal static string Repair(string text)
    {
        var output = new StringBuilder(text.Length + 256);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '<' && string.CompareOrdinal(text, i, "<![CDATA[", 0, 9) == 0)
            {
                i = CopyThrough(text, i, "]]>", output);
                continue;
            }
            if (c == '<' && string.CompareOrdinal(text, i, "<!--", 0, 4) == 0)
            {
                i = CopyThrough(text, i, "-->", output);
                continue;
            }
            if (c == '<' && (i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1]) || char.IsDigit(text[i + 1]) || text[i + 1] == '='))
            {
                output.Append("&lt;");
                i++;
                continue;
            }
            if (c == '&')
            {
                i = RepairReference(text, i, output);
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                output.Append(c).Append(text[i + 1]);
                i += 2;
                continue;
            }
            if (XmlConvert.IsXmlChar(c)) output.Append(c);
            i++;
        }
        return output.ToString();
    }

    private static int CopyThrough(string text, int start, string terminator, StringBuilder output)
    {
        var end = text.IndexOf(terminator, start, StringComparison.Ordinal);
        var stop = end < 0 ? text.Length : end + terminator.Length;
        foreach (var ch in text.AsSpan(start, stop - start))
        {
            if (XmlConvert.IsXmlChar(ch) || char.IsSurrogate(ch)) output.Append(ch);
        }
        return stop;
    }

    private static int RepairReference(string text, int start, StringBuilder output)
    {
        var match = Reference().Match(text, start);
        if (!match.Success || match.Index != start)
        {
            output.Append("&amp;");
            return start + 1;
        }
        var name = match.Groups[1].Value;
        if (name.StartsWith('#'))
        {
            var isHex = name.Length > 1 && (name[1] == 'x' || name[1] == 'X');
            var ok = isHex
                ? int.TryParse(name.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out var code)
                : int.TryParse(name.AsSpan(1), out code);
            if (ok && IsXmlCodePoint(code)) output.Append(match.Value);
            return start + match.Length;
        }
        if (name is "amp" or "lt" or "gt" or "quot" or "apos")
        {
            output.Append(match.Value);
        }
        else if ((HtmlEntityProvider.Resolver.GetSymbol(name + ";") ?? HtmlEntityProvider.Resolver.GetSymbol(name)) is { Length: > 0 } symbol)
        {
            foreach (var rune in symbol.EnumerateRunes()) output.Append("&#").Append(rune.Value).Append(';');
        }
        else
        {
            output.Append("&amp;").Append(name).Append(';');
        }
        return start + match.Length;
    }

    private static bool IsXmlCodePoint(int code) =>
        code is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);

    /// <summary>Every namespace prefix the text uses, mapped to its usual namespace or to a placeholder.</summary>
    private static Dictionary<string, string> UsedPrefixes(string text)
    {
        var prefixes = new Dictionary<string, string>(WellKnownPrefixes);
        foreach (Match match in PrefixUse().Matches(text))
        {
            var prefix = match.Groups[1].Value;
            if (prefix is "xml" or "xmlns") continue;
            prefixes.TryAdd(prefix, "urn:x-undeclared:" + prefix);
        }
        return prefixes;
    }

    [GeneratedRegex(@"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")]
    private static partial Regex Reference();

    [GeneratedRegex(@"[<\s/]([A-Za-z_][\w.-]{0,40}):[A-Za-z_]")]
    private static partial Regex PrefixUse();

    [GeneratedRegex(@"<[A-Za-z_]")]
    private static partial Regex FirstElement();
}
