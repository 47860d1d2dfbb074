using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using AnyAscii;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// What story matching compares of an article: a MinHash signature of its normalised text (stemmed words and word
/// pairs, stop words removed, in its language) and its anchors — names (<c>@</c> + a phonetic key of the name
/// transliterated to Latin, so Зеленский, Selenskyj and ゼレンスキー meet) and numbers (<c>#</c> + the value, so
/// "1,500", "1.500" and "1500" meet; times as <c>#h:mm</c>). Anchors are sorted (ordinal) and distinct.
/// <see cref="Bridges"/> are keys of every word of caseless scripts (Arabic, Devanagari, Hangul, ...), where no capital
/// letter tells a name: they only bridge to other scripts (بيشاور meets Peshawar), never compare within a language.
/// </summary>
public sealed record ArticleFingerprint(string Language, uint[] MinHash, int Shingles, string[] Anchors, string[] Bridges)
{
    public const int Bands = 21;
    public const int Rows = 3;
    public const int Length = Bands * Rows;

    /// <summary>Estimated Jaccard similarity of the two texts' shingle sets; 0 when either has none.</summary>
    public double TextSimilarity(ArticleFingerprint other)
    {
        if (Shingles == 0 || other.Shingles == 0) return 0;
        var same = 0;
        for (var i = 0; i < Length; i++)
            if (MinHash[i] == other.MinHash[i]) same++;
        return same / (double)Length;
    }

    /// <summary>The LSH bucket key of one band: equal for two signatures that agree on all its rows.</summary>
    public ulong BandKey(int band)
    {
        var key = (ulong)band * 0x9E3779B97F4A7C15UL;
        for (var row = 0; row < Rows; row++) key = ArticleFingerprinter.Mix(key ^ MinHash[band * Rows + row]);
        return key;
    }
}

/// <summary>
/// Computes <see cref="ArticleFingerprint"/>s. Thread-safe and deterministic: the same language, title and text give
/// the same fingerprint in every process (fixed seeds, XxHash3), which is what makes story assignment replayable.
/// </summary>
public sealed class ArticleFingerprinter
{
    /// <summary>Wire copies differ in their tails (bylines, related links): the head says what the story is.</summary>
    public const int MaxChars = 4000;

    private static readonly LuceneVersion Lucene = LuceneVersion.LUCENE_48;
    private static readonly ulong[] Seeds = CreateSeeds();

    private readonly Dictionary<string, Analyzer> _analyzers;
    private readonly Analyzer _fallback = new StandardAnalyzer(Lucene, CharArraySet.Empty);

    public ArticleFingerprinter()
    {
        var cjk = new Lucene.Net.Analysis.Cjk.CJKAnalyzer(Lucene);
        _analyzers = new Dictionary<string, Analyzer>(StringComparer.OrdinalIgnoreCase)
        {
            ["en"] = new Lucene.Net.Analysis.En.EnglishAnalyzer(Lucene),
            ["de"] = new Lucene.Net.Analysis.De.GermanAnalyzer(Lucene),
            ["fr"] = new Lucene.Net.Analysis.Fr.FrenchAnalyzer(Lucene),
            ["es"] = new Lucene.Net.Analysis.Es.SpanishAnalyzer(Lucene),
            ["it"] = new Lucene.Net.Analysis.It.ItalianAnalyzer(Lucene),
            ["pt"] = new Lucene.Net.Analysis.Pt.PortugueseAnalyzer(Lucene),
            ["nl"] = new Lucene.Net.Analysis.Nl.DutchAnalyzer(Lucene),
            ["ru"] = new Lucene.Net.Analysis.Ru.RussianAnalyzer(Lucene),
            ["id"] = new Lucene.Net.Analysis.Id.IndonesianAnalyzer(Lucene),
            ["ms"] = new Lucene.Net.Analysis.Id.IndonesianAnalyzer(Lucene),
            ["ar"] = new Lucene.Net.Analysis.Ar.ArabicAnalyzer(Lucene),
            ["fa"] = new Lucene.Net.Analysis.Fa.PersianAnalyzer(Lucene),
            ["hi"] = new Lucene.Net.Analysis.Hi.HindiAnalyzer(Lucene),
            ["tr"] = new Lucene.Net.Analysis.Tr.TurkishAnalyzer(Lucene),
            ["fi"] = new Lucene.Net.Analysis.Fi.FinnishAnalyzer(Lucene),
            ["sv"] = new Lucene.Net.Analysis.Sv.SwedishAnalyzer(Lucene),
            ["da"] = new Lucene.Net.Analysis.Da.DanishAnalyzer(Lucene),
            ["no"] = new Lucene.Net.Analysis.No.NorwegianAnalyzer(Lucene),
            ["nb"] = new Lucene.Net.Analysis.No.NorwegianAnalyzer(Lucene),
            ["hu"] = new Lucene.Net.Analysis.Hu.HungarianAnalyzer(Lucene),
            ["ro"] = new Lucene.Net.Analysis.Ro.RomanianAnalyzer(Lucene),
            ["cs"] = new Lucene.Net.Analysis.Cz.CzechAnalyzer(Lucene),
            ["el"] = new Lucene.Net.Analysis.El.GreekAnalyzer(Lucene),
            ["bg"] = new Lucene.Net.Analysis.Bg.BulgarianAnalyzer(Lucene),
            ["ca"] = new Lucene.Net.Analysis.Ca.CatalanAnalyzer(Lucene),
            ["ja"] = cjk,
            ["zh"] = cjk,
            ["ko"] = cjk,
        };
    }

    public ArticleFingerprint Fingerprint(string language, string title, string text)
    {
        var head = text.Length > MaxChars ? text[..MaxChars] : text;
        var content = title + "\n" + head;
        var shingles = Shingles(_analyzers.GetValueOrDefault(language) ?? _fallback, content);
        var signature = new uint[ArticleFingerprint.Length];
        Array.Fill(signature, uint.MaxValue);
        foreach (var shingle in shingles)
        {
            for (var i = 0; i < signature.Length; i++)
            {
                var value = (uint)(Mix(shingle ^ Seeds[i]) >> 32);
                if (value < signature[i]) signature[i] = value;
            }
        }
        var (anchors, bridges) = Anchors(content);
        return new ArticleFingerprint(language, signature, shingles.Count, anchors, bridges);
    }

    /// <summary>Hashes of the analysed words and of adjacent word pairs.</summary>
    private static HashSet<ulong> Shingles(Analyzer analyzer, string content)
    {
        var shingles = new HashSet<ulong>();
        using var stream = analyzer.GetTokenStream("text", content);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        ulong previous = 0;
        var first = true;
        while (stream.IncrementToken())
        {
            var word = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(term.Buffer.AsSpan(0, term.Length)));
            shingles.Add(word);
            if (!first) shingles.Add(Mix(previous * 31 + word));
            previous = word;
            first = false;
        }
        stream.End();
        return shingles;
    }

    /// <summary>Names and numbers of the text, as anchors, and the bridge keys of its caseless words.</summary>
    public static (string[] Anchors, string[] Bridges) Anchors(string content)
    {
        var anchors = new SortedSet<string>(StringComparer.Ordinal);
        var bridges = new SortedSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < content.Length)
        {
            var c = content[i];
            if (char.IsDigit(c))
            {
                var end = NumberEnd(content, i);
                if (NumberAnchor(content.AsSpan(i, end - i)) is { } number) anchors.Add(number);
                if (TimeAnchor(content, i, end) is { } time) anchors.Add(time);
                i = end;
            }
            else if (char.IsLetter(c))
            {
                var end = i;
                while (end < content.Length && (char.IsLetter(content[end]) || CharUnicodeInfo.GetUnicodeCategory(content[end]) is
                           UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)) end++;
                AddNames(content.AsSpan(i, end - i), anchors, bridges);
                i = end;
            }
            else i++;
        }
        bridges.ExceptWith(anchors);
        return (anchors.ToArray(), bridges.ToArray());
    }

    /// <summary>A clock time, <c>7:12</c> or (as many languages write it) <c>7.12</c>, as <c>#7:12</c>.</summary>
    private static string? TimeAnchor(string content, int start, int end)
    {
        var text = content.AsSpan(start, end - start);
        var separator = text.IndexOfAny('.', ':');
        if (separator < 0 && end + 2 < content.Length && content[end] == ':' && char.IsAsciiDigit(content[end + 1]) && char.IsAsciiDigit(content[end + 2]))
        {
            var minutes = content.AsSpan(end + 1, 2);
            if (end + 3 < content.Length && char.IsDigit(content[end + 3])) return null;
            return Time(text, minutes);
        }
        if (separator <= 0 || text.Length - separator != 3 || text[(separator + 1)..].IndexOfAny('.', ':') >= 0) return null;
        return Time(text[..separator], text[(separator + 1)..]);

        static string? Time(ReadOnlySpan<char> hours, ReadOnlySpan<char> minutes) =>
            hours.Length is 1 or 2 && int.TryParse(hours, out var h) && h <= 23 && int.TryParse(minutes, out var m) && m <= 59
                ? $"#{h}:{m:00}"
                : null;
    }

    private static int NumberEnd(string content, int start)
    {
        var end = start;
        while (end < content.Length)
        {
            if (char.IsDigit(content[end])) end++;
            else if (content[end] is '.' or ',' or '\u202F' or '\u00A0' && end + 1 < content.Length && char.IsDigit(content[end + 1]) &&
                     end > start) end++;
            else break;
        }
        return end;
    }

    /// <summary>
    /// The value of a number written with any digits and with either separator convention ("1,500.5", "1.500,5");
    /// null for numbers too common to tell stories apart (below 10, and bare years).
    /// </summary>
    public static string? NumberAnchor(ReadOnlySpan<char> number)
    {
        var groups = new List<string>();
        var current = new StringBuilder();
        foreach (var c in number)
        {
            if (char.IsDigit(c)) current.Append((char)('0' + (int)char.GetNumericValue(c)));
            else
            {
                groups.Add(current.ToString());
                current.Clear();
            }
        }
        groups.Add(current.ToString());
        string integer, fraction = "";
        if (groups.Count > 1 && groups[^1].Length != 3)
        {
            fraction = groups[^1].TrimEnd('0');
            integer = string.Concat(groups.Take(groups.Count - 1));
        }
        else integer = string.Concat(groups);
        integer = integer.TrimStart('0');
        if (integer.Length == 0) integer = "0";
        if (fraction.Length == 0)
        {
            if (integer.Length == 1) return null;
            if (groups.Count == 1 && integer.Length == 4 && string.CompareOrdinal(integer, "1900") >= 0 && string.CompareOrdinal(integer, "2100") <= 0) return null;
        }
        return "#" + integer + (fraction.Length > 0 ? "." + fraction : "");
    }

    /// <summary>
    /// Capitalised words of cased scripts (Latin, Cyrillic, Greek, ...) and katakana runs are names; their phonetic key
    /// is the anchor. Words of caseless scripts other than CJK give bridge keys.
    /// </summary>
    private static void AddNames(ReadOnlySpan<char> word, SortedSet<string> anchors, SortedSet<string> bridges)
    {
        if (char.IsUpper(word[0]))
        {
            if (NameKey(word) is { } key) anchors.Add("@" + key);
            return;
        }
        if (!char.IsLower(word[0]) && word.Length >= 3 && !IsCjk(word[0]))
        {
            if (NameKey(word) is { } key) bridges.Add("@" + key);
            return;
        }
        var start = -1;
        for (var i = 0; i <= word.Length; i++)
        {
            var katakana = i < word.Length && word[i] is >= '\u30A0' and <= '\u30FF';
            if (katakana && start < 0) start = i;
            else if (!katakana && start >= 0)
            {
                if (i - start >= 3 && NameKey(word[start..i]) is { } key) anchors.Add("@" + key);
                start = -1;
            }
        }
    }

    /// <summary>
    /// A phonetic key of a name in Latin letters: consonant classes that transliterations of one name share
    /// (k/c/q/g, s/z/x, f/v/w, p/b, t/d, l/r), vowels dropped but for a leading one, repeats collapsed. Null when
    /// shorter than three letters (too ambiguous to anchor anything).
    /// </summary>
    public static string? NameKey(ReadOnlySpan<char> name)
    {
        var latin = name.ToString();
        if (!Ascii.IsValid(latin)) latin = latin.Transliterate();
        Span<char> letters = stackalloc char[Math.Min(latin.Length, 64)];
        var n = 0;
        foreach (var c in latin)
        {
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' && n < letters.Length) letters[n++] = lower;
        }
        Span<char> key = stackalloc char[n + 1];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            var c = letters[i];
            var next = i + 1 < n ? letters[i + 1] : '\0';
            char mapped;
            if (c == 's' && next == 'c' && i + 2 < n && letters[i + 2] == 'h') { mapped = 's'; i += 2; }
            else if (next == 'h' && c is 'k' or 'c' or 's' or 'z' or 'p' or 't' or 'g')
            {
                mapped = c switch { 'k' or 'c' or 'g' => 'k', 's' or 'z' => 's', 'p' => 'f', _ => 't' };
                i++;
            }
            else if ((c == 't' && next is 's' or 'z') || (c == 'c' && next == 'k'))
            {
                mapped = c == 't' ? 's' : 'k';
                i++;
            }
            else
            {
                mapped = c switch
                {
                    'a' or 'e' or 'i' or 'o' or 'u' or 'y' or 'j' or 'h' => i == 0 ? 'a' : '\0',
                    'c' or 'k' or 'q' or 'g' => 'k',
                    's' or 'z' or 'x' => 's',
                    'v' or 'w' or 'f' => 'f',
                    'b' or 'p' => 'p',
                    'd' or 't' => 't',
                    'l' or 'r' => 'l',
                    _ => c,
                };
            }
            if (mapped == '\0' || (k > 0 && key[k - 1] == mapped)) continue;
            key[k++] = mapped;
        }
        return k >= 3 ? new string(key[..k]) : null;
    }

    /// <summary>Han and kana: no spaces between words, so a run of them is a phrase, not a name.</summary>
    private static bool IsCjk(char c) => c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u9FFF' or >= '\uF900' and <= '\uFAFF';

    /// <summary>SplitMix64's finaliser: a fast, well-mixed 64-bit permutation.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong[] CreateSeeds()
    {
        var seeds = new ulong[ArticleFingerprint.Length];
        var state = 0x5EED_0F_570_21E5UL;
        for (var i = 0; i < seeds.Length; i++) seeds[i] = Mix(state += 0x9E3779B97F4A7C15UL);
        return seeds;
    }
}
