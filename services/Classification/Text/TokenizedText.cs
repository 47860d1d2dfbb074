using System.Globalization;
using System.Text;

namespace Monitoring.Classification.Text;

[Flags]
public enum TokenFlags : ushort
{
    None = 0,
    /// <summary>First letter was upper case in the article.</summary>
    Capitalized = 1,
    /// <summary>Every cased letter was upper case (EU, USA, JEPANG).</summary>
    AllCaps = 2,
    Title = 4,
    Lead = 8,
    /// <summary>Separated from the previous token only by spaces or hyphens, so a phrase may run across.</summary>
    JoinsPrevious = 16,
    Number = 32,
    SentenceStart = 64,
}

public struct Token
{
    public int Start;
    public int Length;
    public Script Script;
    public TokenFlags Flags;
    public int Sentence;
    public long Number;

    public readonly bool Has(TokenFlags flag) => (Flags & flag) != 0;
    public readonly int End => Start + Length;
}

/// <summary>
/// An article folded for matching — Unicode NFKC, lower case, Arabic and Hebrew vowel marks dropped and letter
/// variants unified, typographic apostrophes straightened — and cut into tokens. Elisions and possessives are
/// split off ("l'Iran" → iran, "Irak'ın" → irak, "Japan's" → japan). Reused per thread: one instance holds its
/// buffers across articles so that classifying allocates little.
/// </summary>
public sealed class TokenizedText
{
    private static readonly HashSet<string> Elisions =
    [
        "l", "d", "j", "m", "n", "s", "t", "c", "qu", "lorsqu", "jusqu", "puisqu", "dell", "dall", "nell", "sull",
        "all", "coll", "quell", "un", "po", "tutt",
    ];

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ElisionLookup =
        Elisions.GetAlternateLookup<ReadOnlySpan<char>>();

    private char[] _folded;
    private char[] _original;
    private Token[] _tokens;

    public TokenizedText() : this(4096, 1024)
    {
    }

    private TokenizedText(int chars, int tokens)
    {
        _folded = new char[chars];
        _original = new char[chars];
        _tokens = new Token[tokens];
    }

    public int TitleEnd { get; private set; }
    public int Length { get; private set; }
    public int TokenCount { get; private set; }
    public ReadOnlySpan<char> Folded => _folded.AsSpan(0, Length);
    public ReadOnlySpan<char> Original => _original.AsSpan(0, Length);
    public ReadOnlySpan<Token> Tokens => _tokens.AsSpan(0, TokenCount);
    public ref Token TokenAt(int index) => ref _tokens[index];
    public ReadOnlySpan<char> TextOf(in Token token) => _folded.AsSpan(token.Start, token.Length);
    public ReadOnlySpan<char> Slice(int start, int end) => _folded.AsSpan(start, end - start);

    /// <summary>Folds and tokenizes one text (used for data: gazetteer forms, lexicon terms).</summary>
    public static TokenizedText Of(string text)
    {
        // Data phrases are short: small buffers keep loading tens of thousands of them fast.
        var tokenized = new TokenizedText(text.Length + 8, 8);
        tokenized.Load(text, "", int.MaxValue);
        return tokenized;
    }

    /// <summary>Folds the title and the text; tokens of the text's first sentence (or first <paramref name="leadChars"/>) are the lead.</summary>
    public void Load(string title, string text, int leadChars = 320)
    {
        title = NormalizeForm(title);
        text = NormalizeForm(text);
        var capacity = title.Length + text.Length + 2;
        if (_folded.Length < capacity)
        {
            _folded = new char[Math.Max(capacity, _folded.Length * 2)];
            _original = new char[_folded.Length];
        }
        Length = 0;
        TokenCount = 0;
        FoldInto(title);
        TitleEnd = Length;
        _original[Length] = '\n';
        _folded[Length++] = '\n';
        var textStart = Length;
        FoldInto(text);
        Tokenize(textStart, leadChars);
    }

    private static string NormalizeForm(string text)
    {
        if (text.Length == 0) return text;
        try
        {
            return text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // Unpaired surrogates cannot be normalized; matching works on the text as it is.
            return text;
        }
    }

    private void FoldInto(string text)
    {
        var folded = _folded;
        var original = _original;
        var n = Length;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            original[n] = c;
            switch (c)
            {
                case >= '\u064B' and <= '\u065F' or '\u0670' or '\u0640':
                case >= '\u0591' and <= '\u05BD' or '\u05BF' or '\u05C1' or '\u05C2' or '\u05C4' or '\u05C5' or '\u05C7':
                case '\u200B' or '\u200D' or '\uFEFF' or '\u00AD' or '\u093C':
                    // Arabic and Hebrew vowel marks, tatweel and invisible joiners: dropped, but kept as a zero-width
                    // placeholder so the token stays contiguous.
                    folded[n++] = '\u200B';
                    continue;
                case '\u200C':
                    folded[n++] = ' ';
                    continue;
            }
            folded[n++] = Fold(c, i > 0 ? text[i - 1] : ' ', i + 1 < text.Length ? text[i + 1] : ' ');
        }
        Length = n;
    }

    public static char Fold(char c, char previous, char next) => c switch
    {
        '\u2019' or '\u2018' or '\u02BC' or '\u0060' or '\u00B4' => '\'',
        '\u0130' => 'i',
        'ё' or 'Ё' => 'е',
        '\u0623' or '\u0625' or '\u0622' or '\u0671' => '\u0627',
        '\u0649' or '\u06CC' or '\u06D0' => '\u064A',
        '\u0629' or '\u06C1' or '\u06C3' or '\u06C0' or '\u06D5' => '\u0647',
        '\u06A9' => '\u0643',
        >= '\u0660' and <= '\u0669' => (char)('0' + (c - '\u0660')),
        >= '\u06F0' and <= '\u06F9' => (char)('0' + (c - '\u06F0')),
        >= '\u0966' and <= '\u096F' => (char)('0' + (c - '\u0966')),
        '"' or '\u201D' when IsHebrewLetter(previous) && IsHebrewLetter(next) => '\u05F4',
        '\'' when IsHebrewLetter(previous) => '\u05F3',
        _ => char.ToLowerInvariant(c),
    };

    private static bool IsHebrewLetter(char c) => c is >= '\u05D0' and <= '\u05EA';

    private static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || c is '\u200B' or '\u05F4' or '\u05F3' ||
        CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static bool EndsSentence(char c) => c is '.' or '!' or '?' or '\n' or '。' or '！' or '？' or '।' or '۔' or '؟';

    private void Tokenize(int textStart, int leadChars)
    {
        var folded = _folded;
        var sentence = 0;
        var leadSentence = -1;
        var i = 0;
        var gapClean = false; // the gap since the previous token holds only spaces/hyphens
        var gapHasDot = false;
        var sentenceStart = true;
        while (i < Length)
        {
            var c = folded[i];
            if (!IsWordChar(c))
            {
                if (EndsSentence(c))
                {
                    if (c == '.') gapHasDot = true;
                    else gapClean = false;
                    if (c != '.' || i + 1 >= Length || !char.IsLetter(folded[i + 1]))
                    {
                        sentence++;
                        sentenceStart = true;
                    }
                }
                else if (c is not (' ' or '-' or '\u2010' or '\u2011' or '\u00A0'))
                {
                    gapClean = false;
                }
                i++;
                continue;
            }

            var start = i;
            var script = Script.Other;
            if (char.IsDigit(c))
            {
                var value = 0L;
                while (i < Length)
                {
                    if (char.IsDigit(folded[i])) { value = Math.Min(value * 10 + (folded[i] - '0'), 1_000_000_000); i++; }
                    else if (folded[i] is '.' or ',' or '\u202F' && IsThousands(i + 1)) i++;
                    else break;
                }
                while (i < Length && char.IsLetter(folded[i])) i++; // "10th", "2-1" stays split
                AddToken(start, i - start, Script.Other, TokenFlags.Number, sentence, value, textStart, leadChars,
                    ref gapClean, ref gapHasDot, ref sentenceStart, ref leadSentence);
                continue;
            }

            // A token is a run of one script (so "UE-Jepang" and "日本の" split where the script changes).
            while (i < Length && IsWordChar(folded[i]))
            {
                var s = Scripts.Of(folded[i]);
                if (s != Script.Other)
                {
                    if (script == Script.Other) script = s;
                    else if (s != script && !(Scripts.IsDense(s) && Scripts.IsDense(script) && s != Script.Hangul && script != Script.Hangul)) break;
                }
                i++;
            }
            var end = i;
            var suffixEnd = end;
            if (script == Script.Latin && end + 1 < Length && folded[end] == '\'' && char.IsLetter(folded[end + 1]))
            {
                var after = end + 1;
                while (after < Length && (char.IsLetter(folded[after]) || CharUnicodeInfo.GetUnicodeCategory(folded[after]) == UnicodeCategory.NonSpacingMark)) after++;
                if (ElisionLookup.Contains(folded.AsSpan(start, end - start)))
                {
                    // l'Iran, dell'Ucraina: the word is what follows the apostrophe.
                    i = end + 1;
                    gapClean = true;
                    continue;
                }
                suffixEnd = after; // Irak'ın, Japan's: the suffix is dropped.
            }
            AddToken(start, end - start, script, TokenFlags.None, sentence, 0, textStart, leadChars,
                ref gapClean, ref gapHasDot, ref sentenceStart, ref leadSentence);
            i = suffixEnd;
        }
    }

    private bool IsThousands(int index)
    {
        for (var k = 0; k < 3; k++)
        {
            if (index + k >= Length || !char.IsDigit(_folded[index + k])) return false;
        }
        return index + 3 >= Length || !char.IsDigit(_folded[index + 3]);
    }

    private void AddToken(int start, int length, Script script, TokenFlags flags, int sentence, long number, int textStart,
        int leadChars, ref bool gapClean, ref bool gapHasDot, ref bool sentenceStart, ref int leadSentence)
    {
        if (TokenCount == _tokens.Length) Array.Resize(ref _tokens, _tokens.Length * 2);
        if (TokenCount > 0)
        {
            ref var previous = ref _tokens[TokenCount - 1];
            var abbreviationDot = gapHasDot && previous.Length <= 2 && length <= 2;
            if ((gapClean && !gapHasDot) || abbreviationDot) flags |= TokenFlags.JoinsPrevious;
        }
        if (sentenceStart) flags |= TokenFlags.SentenceStart;
        if (start < TitleEnd) flags |= TokenFlags.Title;
        else
        {
            if (leadSentence < 0) leadSentence = sentence;
            if (sentence == leadSentence || start - textStart < leadChars) flags |= TokenFlags.Lead;
        }
        flags |= CaseOf(start, length);
        _tokens[TokenCount++] = new Token { Start = start, Length = length, Script = script, Flags = flags, Sentence = sentence, Number = number };
        gapClean = true;
        gapHasDot = false;
        sentenceStart = false;
    }

    // Case is read from the original characters, which folding lowered; _original holds them index by index.
    private TokenFlags CaseOf(int start, int length)
    {
        var original = _original;
        var upper = 0;
        var lower = 0;
        for (var k = start; k < start + length; k++)
        {
            var o = original[k];
            if (char.IsUpper(o)) upper++;
            else if (char.IsLower(o)) lower++;
        }
        var flags = TokenFlags.None;
        if (upper > 0 && char.IsUpper(original[start])) flags |= TokenFlags.Capitalized;
        if (upper > 0 && lower == 0) flags |= TokenFlags.AllCaps;
        return flags;
    }

    /// <summary>The original (unfolded) character at a folded position: same index, folding is one to one.</summary>
    public char OriginalAt(int index) => _original[index];
}
