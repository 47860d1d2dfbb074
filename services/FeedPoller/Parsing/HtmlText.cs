using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// HTML to readable plain text with a real HTML5 parser (AngleSharp): scripts, styles and embedded objects dropped,
/// entities decoded, block elements on lines of their own, whitespace collapsed.
/// </summary>
public static class HtmlText
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head", "title", "select", "button",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote",
        "pre", "section", "article", "header", "footer", "aside", "nav", "figure", "figcaption", "hr", "address", "main", "details", "summary",
    };

    private static readonly HashSet<string> Void = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    };

    private static readonly HtmlParserOptions Options = new() { IsScripting = false, IsNotConsumingCharacterReferences = false };

    /// <summary>One parser per thread: creating one builds a browsing context, which costs more than parsing a summary.</summary>
    [ThreadStatic]
    private static HtmlParser? _parser;

    /// <summary>
    /// Deeper nesting than this takes the linear path: the HTML5 tree builder's cost grows with the square of the depth
    /// (200,000 nested divs take minutes), which a hostile feed must not be able to buy with a megabyte.
    /// </summary>
    public const int MaxTreeDepth = 400;

    public static string ToPlainText(string html)
    {
        if (html.Length == 0) return html;
        if (html.IndexOfAny(['<', '&']) < 0) return CollapseWhitespace(html);
        if (NestingDepth(html) > MaxTreeDepth) return FlatText(html);

        var parser = _parser ??= new HtmlParser(Options);
        using var document = parser.ParseDocument(html);
        var text = new StringBuilder(html.Length);
        // Iterative walk: a hostile document nested a million levels deep must not overflow the stack.
        var pending = new Stack<(INode Node, bool Closing)>();
        if (document.Body is { } body) pending.Push((body, false));
        while (pending.Count > 0)
        {
            var (node, closing) = pending.Pop();
            if (node is IElement element)
            {
                var isBlock = Blocks.Contains(element.LocalName);
                if (closing)
                {
                    if (isBlock) text.Append('\n');
                    continue;
                }
                if (Dropped.Contains(element.LocalName)) continue;
                if (isBlock) text.Append('\n');
                if (element.LocalName == "img" && element.GetAttribute("alt") is { Length: > 0 } alt) text.Append(alt).Append(' ');
                pending.Push((element, true));
                for (var child = element.LastChild; child is not null; child = child.PreviousSibling) pending.Push((child, false));
            }
            else if (node is IText textNode)
            {
                text.Append(textNode.Data);
            }
        }
        return CollapseWhitespace(text.ToString());
    }

    /// <summary>An upper estimate of how deeply the tags nest, in one pass without building anything.</summary>
    internal static int NestingDepth(string html)
    {
        int depth = 0, deepest = 0;
        for (var i = html.IndexOf('<'); i >= 0 && i < html.Length - 1; i = html.IndexOf('<', i + 1))
        {
            if (html[i + 1] == '/')
            {
                if (depth > 0) depth--;
                continue;
            }
            if (!char.IsAsciiLetter(html[i + 1])) continue;
            var end = html.IndexOf('>', i);
            if (end < 0) break;
            var nameEnd = i + 1;
            while (nameEnd < end && char.IsAsciiLetterOrDigit(html[nameEnd])) nameEnd++;
            if (html[end - 1] == '/' || Void.Contains(html.AsSpan(i + 1, nameEnd - i - 1).ToString())) continue;
            if (++depth > deepest) deepest = depth;
        }
        return deepest;
    }

    /// <summary>Tags dropped without building a tree (script and style content too), block tags as line breaks, entities decoded.</summary>
    private static string FlatText(string html)
    {
        var text = new StringBuilder(html.Length / 2);
        var i = 0;
        while (i < html.Length)
        {
            var open = html.IndexOf('<', i);
            if (open < 0)
            {
                text.Append(html, i, html.Length - i);
                break;
            }
            text.Append(html, i, open - i);
            var close = html.IndexOf('>', open);
            if (close < 0) break;
            var nameStart = open + 1 + (open + 1 < html.Length && html[open + 1] == '/' ? 1 : 0);
            var nameEnd = nameStart;
            while (nameEnd < close && char.IsAsciiLetterOrDigit(html[nameEnd])) nameEnd++;
            var name = html[nameStart..nameEnd];
            i = close + 1;
            if (nameStart == open + 1 && Dropped.Contains(name))
            {
                var end = html.IndexOf("</" + name, i, StringComparison.OrdinalIgnoreCase);
                i = end < 0 ? html.Length : end;
                continue;
            }
            if (Blocks.Contains(name)) text.Append('\n');
        }
        return CollapseWhitespace(System.Net.WebUtility.HtmlDecode(text.ToString()));
    }

    /// <summary>Runs of spaces become one space, runs containing a line break one line break; ends trimmed.</summary>
    public static string CollapseWhitespace(string text)
    {
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        var pendingBreak = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\u200B')
            {
                if (c is '\n' or '\r' or '\u2028' or '\u2029') pendingBreak = true;
                else pendingSpace = true;
                continue;
            }
            if (result.Length > 0)
            {
                if (pendingBreak) result.Append('\n');
                else if (pendingSpace) result.Append(' ');
            }
            pendingSpace = pendingBreak = false;
            result.Append(c);
        }
        return result.ToString();
    }
}
