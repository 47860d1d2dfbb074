using System.Text;
using System.Text.RegularExpressions;
using UtfUnknown;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>The feed's bytes as text, the encoding used, and what was wrong with the declared encoding, if anything.</summary>
public sealed record DecodedFeed(string Text, string Encoding, IReadOnlyList<string> Problems);

/// <summary>
/// Picks a feed's character encoding the way RFC 3023 and the best readers do: a byte-order mark first; then the
/// charset of the HTTP Content-Type; then the XML declaration (or UTF-16/32 recognised from the first bytes);
/// text/xml without a charset means US-ASCII; otherwise UTF-8. When the chosen encoding cannot decode the bytes,
/// the declared one, UTF-8, a statistical detector (UTF.Unknown, for undeclared Shift_JIS, EUC-KR, KOI8-R, ...)
/// and windows-1252 are tried in turn and the override is reported as a problem.
/// </summary>
public static partial class FeedDecoding
{
    static FeedDecoding() => System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static DecodedFeed Decode(ReadOnlySpan<byte> bytes, string? contentType)
    {
        var problems = new List<string>();
        var (bomEncoding, bomLength) = ByteOrderMark(bytes);
        var sniffed = bomEncoding ?? SniffWideEncoding(bytes);
        var declared = sniffed is null || sniffed.StartsWith("utf-8") ? DeclaredEncoding(bytes) : null;
        var (mediaType, httpCharset) = ParseContentType(contentType);

        if (mediaType is not null && !IsXmlOrJsonMediaType(mediaType))
        {
            problems.Add($"served as {mediaType}, not as a feed media type");
        }

        string proposed;
        if (bomEncoding is not null) proposed = bomEncoding;
        else if (httpCharset is not null) proposed = httpCharset;
        else if (sniffed is not null) proposed = sniffed;
        else if (mediaType is not null && mediaType.StartsWith("text/", StringComparison.Ordinal) && mediaType.EndsWith("xml", StringComparison.Ordinal)) proposed = "us-ascii";
        else proposed = declared ?? "utf-8";

        var candidates = new List<string> { proposed };
        if (declared is not null) candidates.Add(declared);
        candidates.Add("utf-8");
        foreach (var candidate in candidates.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var encoding = Lookup(candidate);
            if (encoding is null)
            {
                problems.Add($"unknown character encoding '{candidate}'");
                continue;
            }
            if (TryDecodeStrict(encoding, bytes[bomLength..], out var text))
            {
                if (!string.Equals(candidate, proposed, StringComparison.OrdinalIgnoreCase) && Lookup(proposed) is not null)
                    problems.Add($"the bytes are not valid {proposed}; decoded as {Name(candidate)} instead");
                return new DecodedFeed(text, Name(candidate), problems);
            }
        }

        var detected = Detect(bytes) ?? "windows-1252";
        problems.Add($"the bytes are not valid {proposed}; detected {detected}");
        var fallback = Lookup(detected) ?? Lookup("windows-1252")!;
        return new DecodedFeed(fallback.GetString(bytes[bomLength..]), Name(detected), problems);
    }

    /// <summary>The media type (lower case) and charset of a Content-Type header, tolerating quotes and spaces.</summary>
    public static (string? MediaType, string? Charset) ParseContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return (null, null);
        var parts = contentType.Split(';');
        var mediaType = parts[0].Trim().ToLowerInvariant();
        string? charset = null;
        foreach (var parameter in parts.Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase))
            {
                var value = pair[1].Trim().Trim('"', '\'', ' ');
                if (value.Length > 0) charset = value;
            }
        }
        return (mediaType.Length == 0 ? null : mediaType, charset);
    }

    private static bool IsXmlOrJsonMediaType(string mediaType) =>
        mediaType.EndsWith("xml", StringComparison.Ordinal) || mediaType.EndsWith("json", StringComparison.Ordinal)
        || mediaType is "application/octet-stream" or "text/html" or "application/x-rss" or "application/rdf" or "binary/octet-stream";

    private static (string? Encoding, int Length) ByteOrderMark(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x00, 0x00, 0xFE, 0xFF, ..] => ("utf-32be", 4),
        [0xFF, 0xFE, 0x00, 0x00, ..] => ("utf-32le", 4),
        [0xEF, 0xBB, 0xBF, ..] => ("utf-8", 3),
        [0xFE, 0xFF, ..] => ("utf-16be", 2),
        [0xFF, 0xFE, ..] => ("utf-16le", 2),
        _ => (null, 0),
    };

    /// <summary>UTF-16 and UTF-32 without a byte-order mark, recognised by how "&lt;" is laid out (XML spec appendix F).</summary>
    private static string? SniffWideEncoding(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x00, 0x00, 0x00, 0x3C, ..] => "utf-32be",
        [0x3C, 0x00, 0x00, 0x00, ..] => "utf-32le",
        [0x00, 0x3C, 0x00, _, ..] => "utf-16be",
        [0x3C, 0x00, _, 0x00, ..] => "utf-16le",
        _ => null,
    };

    /// <summary>The encoding named by the XML declaration in the first bytes.</summary>
    private static string? DeclaredEncoding(ReadOnlySpan<byte> bytes)
    {
        var head = System.Text.Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 1024)]);
        var match = XmlDeclarationEncoding().Match(head);
        return match.Success ? match.Groups[1].Value.Trim() : null;
    }

    private static string? Detect(ReadOnlySpan<byte> bytes)
    {
        var sample = bytes[..Math.Min(bytes.Length, 256 * 1024)];
        var result = CharsetDetector.DetectFromBytes(sample);
        return result.Detected is { Confidence: > 0.2f, EncodingName: { } name } ? name.ToLowerInvariant() : null;
    }

    private static bool TryDecodeStrict(Encoding encoding, ReadOnlySpan<byte> bytes, out string text)
    {
        var strict = (Encoding)encoding.Clone();
        strict.DecoderFallback = DecoderFallback.ExceptionFallback;
        try
        {
            text = strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>
    /// The .NET encoding for a label. Labels are mapped as browsers do where that decodes more real text correctly:
    /// ISO-8859-1 as windows-1252 (its superset), GB2312 and GBK as GB18030.
    /// </summary>
    public static Encoding? Lookup(string label)
    {
        var name = label.Trim().Trim('"', '\'').ToLowerInvariant().Replace('_', '-');
        name = name switch
        {
            "iso-8859-1" or "latin1" or "latin-1" or "iso8859-1" or "l1" or "cp1252" or "iso-ir-100" => "windows-1252",
            "gb2312" or "gbk" or "x-gbk" or "cp936" or "euc-cn" => "gb18030",
            "utf8" => "utf-8",
            "utf-16" => "utf-16le",
            "utf-32" => "utf-32le",
            "ascii" or "us-ascii" or "ansi-x3.4-1968" => "us-ascii",
            "shift-jis" or "sjis" or "x-sjis" or "ms-kanji" or "windows-31j" => "shift_jis",
            "tis-620" or "iso-8859-11" => "windows-874",
            "x-mac-roman" or "macintosh" or "mac" => "macintosh",
            _ => name,
        };
        try
        {
            return name switch
            {
                "utf-8" => new UTF8Encoding(false),
                "utf-16le" => new UnicodeEncoding(false, false),
                "utf-16be" => new UnicodeEncoding(true, false),
                "utf-32le" => new UTF32Encoding(false, false),
                "utf-32be" => new UTF32Encoding(true, false),
                _ => System.Text.Encoding.GetEncoding(name),
            };
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Name(string label) => label.Trim().Trim('"', '\'').ToLowerInvariant() switch
    {
        "gb2312" or "gbk" => "gb18030",
        "utf8" => "utf-8",
        var name => name.Replace('_', '-') is "shift-jis" ? "shift_jis" : name,
    };

    [GeneratedRegex("""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex XmlDeclarationEncoding();
}
