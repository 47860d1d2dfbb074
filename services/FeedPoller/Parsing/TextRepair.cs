using System.Text;
using System.Text.RegularExpressions;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// Undoes the two commonest encoding accidents in feed text: C1 control characters that are really windows-1252
/// punctuation ("don\u0092t" for "don’t"), and UTF-8 that was decoded as windows-1252 and encoded again ("Ã©" for
/// "é", "Ð’ ÐœÐ¾ÑÐºÐ²Ðµ" for "В Москве"). A run is replaced only when its windows-1252 bytes are valid UTF-8, so
/// correct text is left alone. Mis-encoded text would otherwise defeat language and country detection downstream.
/// </summary>
public static partial class TextRepair
{
    static TextRepair() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static readonly Encoding Windows1252 = Encoding.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);

    /// <summary>Characters U+0080–U+009F as windows-1252 reads those bytes.</summary>
    private static readonly char[] C1AsWindows1252 = Enumerable.Range(0x80, 32)
        .Select(b => Windows1252.GetString([(byte)b]) is { Length: 1 } s && s[0] != '\uFFFD' ? s[0] : (char)b).ToArray();

    public static string Repair(string text)
    {
        if (!NeedsLook(text)) return text;
        // Runs are re-read only in text that shows an unmistakable sign of double encoding: an upper-case Latin-1
        // letter followed by a windows-1252 symbol ("Ã©", "Ð’") or "â€" (how every UTF-8 dash and quote starts).
        // Without one, "é\u00A0…" stays as written although its bytes happen to be valid UTF-8.
        var repaired = DoubleEncodingSign().IsMatch(text) ? Mojibake().Replace(text, match => Redecode(match.Value) ?? match.Value) : text;
        return Demoronize(repaired);
    }

    private static bool NeedsLook(string text)
    {
        foreach (var c in text)
            if (c is >= '\u0080' and <= '\u009F' or >= '\u00C2' and <= '\u00F4') return true;
        return false;
    }

    private static string Demoronize(string text)
    {
        if (!text.Any(c => c is >= '\u0080' and <= '\u009F')) return text;
        var result = new StringBuilder(text.Length);
        foreach (var c in text) result.Append(c is >= '\u0080' and <= '\u009F' ? C1AsWindows1252[c - 0x80] : c);
        return result.ToString();
    }

    /// <summary>The run read back as the UTF-8 it was, or null when its bytes are not UTF-8 (then it was meant as it is).</summary>
    private static string? Redecode(string run)
    {
        var bytes = new byte[run.Length];
        for (var i = 0; i < run.Length; i++)
        {
            var c = run[i];
            if (c <= '\u00FF') bytes[i] = (byte)c;
            else
            {
                try
                {
                    var encoded = Windows1252.GetBytes(c.ToString());
                    if (encoded.Length != 1) return null;
                    bytes[i] = encoded[0];
                }
                catch (EncoderFallbackException)
                {
                    return null;
                }
            }
        }
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    // A UTF-8 lead byte (Â..ô) followed by one to three continuation bytes as windows-1252 shows them
    // (U+0080–U+00BF, or the punctuation windows-1252 puts at 0x80–0x9F), repeated.
    [GeneratedRegex("(?:[\u00C2-\u00F4][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018\u2019\u201A\u201C\u201D\u201E\u2020\u2021\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]{1,3})+")]
    private static partial Regex Mojibake();

    [GeneratedRegex("[\u00C2-\u00DF][\u0080-\u009F\u00A1-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018\u2019\u201A\u201C\u201D\u201E\u2020\u2021\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]|\u00E2[\u20AC\u0080]")]
    private static partial Regex DoubleEncodingSign();
}
