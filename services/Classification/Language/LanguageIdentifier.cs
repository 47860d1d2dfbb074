using Lingua;
using Monitoring.Classification.Text;
using LinguaLanguage = Lingua.Language;

namespace Monitoring.Classification.Language;

/// <summary>
/// Language of an article from its title and lead. The script decides most languages outright (Hangul, kana,
/// Han, Thai, Hebrew, Devanagari); letters peculiar to a language split Arabic-script (ar/fa/ur) and Cyrillic
/// (ru/uk) text; Latin-script text is scored against weighted function-word profiles (language-profiles.tsv,
/// where words peculiar to Indonesian or Malay tell the two apart). Only when those words leave the answer open —
/// short titles, few function words — Lingua's low-accuracy models decide, on the title and lead alone, among
/// the Latin-script languages. Its models load on first use, so most processes never load them.
/// </summary>
public sealed class LanguageIdentifier
{
    private const int MaxTokens = 160;
    private const int LinguaChars = 320;

    private readonly Dictionary<string, (int Language, double Weight)[]> _profile = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Language, double Weight)[]>.AlternateLookup<ReadOnlySpan<char>> _profileLookup;
    private readonly Lazy<LanguageDetector> _lingua = new(() =>
        LanguageDetectorBuilder.FromLanguages(LinguaLatin.Keys.ToArray()).WithLowAccuracyMode().Build());

    private static readonly Dictionary<LinguaLanguage, string> LinguaLatin = new()
    {
        [LinguaLanguage.English] = "en", [LinguaLanguage.Indonesian] = "id", [LinguaLanguage.Malay] = "ms",
        [LinguaLanguage.Spanish] = "es", [LinguaLanguage.Portuguese] = "pt", [LinguaLanguage.French] = "fr",
        [LinguaLanguage.German] = "de", [LinguaLanguage.Italian] = "it", [LinguaLanguage.Dutch] = "nl",
        [LinguaLanguage.Polish] = "pl", [LinguaLanguage.Turkish] = "tr", [LinguaLanguage.Vietnamese] = "vi",
        [LinguaLanguage.Swahili] = "sw", [LinguaLanguage.Tagalog] = "tl",
    };

    public LanguageIdentifier(ClassifierData data)
    {
        var words = new Dictionary<string, Dictionary<int, double>>(StringComparer.Ordinal);
        foreach (var (line, fields) in data.Rows("language-profiles.tsv"))
        {
            if (fields.Length != 3) throw ClassifierData.Invalid("language-profiles.tsv", line, "expected language, weight, words");
            var language = Languages.IndexOf(fields[0]);
            if (language < 0) throw ClassifierData.Invalid("language-profiles.tsv", line, $"unknown language {fields[0]}");
            var weight = double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            foreach (var word in fields[2].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var folded = TokenizedText.Of(word);
                if (folded.TokenCount != 1) throw ClassifierData.Invalid("language-profiles.tsv", line, $"'{word}' is not one word");
                var key = folded.TextOf(folded.Tokens[0]).ToString();
                if (!words.TryGetValue(key, out var byLanguage)) words[key] = byLanguage = [];
                byLanguage[language] = Math.Max(byLanguage.GetValueOrDefault(language), weight);
            }
        }
        // A word shared by several languages says less about each of them.
        foreach (var (word, byLanguage) in words)
        {
            _profile[word] = byLanguage.Select(kv => (kv.Key, kv.Value / byLanguage.Count)).ToArray();
        }
        _profileLookup = _profile.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many articles Lingua had to decide (the rest were decided by script and profiles).</summary>
    public long LinguaDecisions => Interlocked.Read(ref _linguaDecisions);

    private long _linguaDecisions;

    public string Identify(TokenizedText text, string? hint)
    {
        var hinted = Languages.FromHint(hint);
        Span<int> letters = stackalloc int[10];
        var kana = 0;
        var vietnamese = 0;
        int ukrainian = 0, russian = 0, urdu = 0, persian = 0;
        var tokens = text.Tokens;
        var count = Math.Min(tokens.Length, MaxTokens);
        for (var i = 0; i < count; i++)
        {
            ref readonly var token = ref tokens[i];
            if (token.Has(TokenFlags.Number)) continue;
            letters[(int)token.Script] += token.Length;
            for (var k = token.Start; k < token.End; k++)
            {
                var c = text.OriginalAt(k);
                switch (token.Script)
                {
                    case Script.Cjk when Scripts.IsKana(c): kana++; break;
                    case Script.Latin when c is >= '\u1EA0' and <= '\u1EF9' or 'ơ' or 'ư' or 'đ' or 'Đ' or 'Ơ' or 'Ư': vietnamese++; break;
                    case Script.Cyrillic when c is 'і' or 'ї' or 'є' or 'ґ' or 'І' or 'Ї' or 'Є': ukrainian++; break;
                    case Script.Cyrillic when c is 'ы' or 'э' or 'ъ' or 'ё' or 'Ы' or 'Э': russian++; break;
                    case Script.Arabic when c is '\u0679' or '\u0688' or '\u0691' or '\u06BA' or '\u06D2' or '\u06BE' or '\u06C1': urdu++; break;
                    case Script.Arabic when c is '\u067E' or '\u0686' or '\u0698' or '\u06AF' or '\u06CC' or '\u06A9': persian++; break;
                }
            }
        }

        var dominant = Script.Other;
        for (var s = 1; s < letters.Length; s++)
        {
            if (letters[s] > letters[(int)dominant]) dominant = (Script)s;
        }
        switch (dominant)
        {
            case Script.Other: return hinted ?? Languages.Unknown;
            case Script.Hangul: return "ko";
            case Script.Cjk: return kana * 20 >= letters[(int)Script.Cjk] && kana > 0 ? "ja" : "zh";
            case Script.Thai: return "th";
            case Script.Hebrew: return "he";
            case Script.Devanagari: return "hi";
            case Script.Greek: return "el";
            case Script.Arabic:
                if (urdu >= 2 || (urdu > 0 && persian == 0)) return "ur";
                return persian >= 2 ? "fa" : Best(text, count, ["ar", "fa", "ur"], hinted, out _);
            case Script.Cyrillic:
                if (ukrainian != russian) return ukrainian > russian ? "uk" : "ru";
                return Best(text, count, ["ru", "uk"], hinted, out _);
        }

        if (vietnamese >= 3) return "vi";
        var best = Best(text, count, Languages.Latin, hinted, out var confident);
        if (confident) return best;
        var decided = AskLingua(text);
        if (decided is null) return best;
        // Lingua guessing a language none of whose words appear, where the profiles saw some: the profiles win.
        if (ProfileScore(text, count, best) >= 1 && ProfileScore(text, count, decided) == 0) return best;
        // Lingua's trigram models mix up Indonesian and Malay; the profile's peculiar words decide between them.
        return decided is "id" or "ms" && best is "id" or "ms" ? best : decided;
    }

    private string Best(TokenizedText text, int count, string[] candidates, string? hinted, out bool confident)
    {
        Span<double> scores = stackalloc double[Languages.Codes.Length];
        var tokens = text.Tokens;
        for (var i = 0; i < count; i++)
        {
            if (tokens[i].Has(TokenFlags.Number)) continue;
            if (!_profileLookup.TryGetValue(text.TextOf(tokens[i]), out var weights)) continue;
            foreach (var (language, weight) in weights) scores[language] += weight;
        }
        // Indonesian is far more common in news than Malay: it wins a tie.
        scores[Languages.IndexOf("id")] += 0.01;
        if (hinted is not null) scores[Languages.IndexOf(hinted)] += 0.5;
        string best = candidates[0], second = candidates.Length > 1 ? candidates[1] : candidates[0];
        foreach (var candidate in candidates)
        {
            var score = scores[Languages.IndexOf(candidate)];
            if (score > scores[Languages.IndexOf(best)]) { second = best; best = candidate; }
            else if (candidate != best && score > scores[Languages.IndexOf(second)]) second = candidate;
        }
        var top = scores[Languages.IndexOf(best)];
        var next = best == second ? 0 : scores[Languages.IndexOf(second)];
        var pair = best is "id" or "ms" && second is "id" or "ms";
        confident = top >= 2.5 && (top >= next * 1.6 || pair);
        return best;
    }

    private double ProfileScore(TokenizedText text, int count, string language)
    {
        var index = Languages.IndexOf(language);
        var score = 0.0;
        var tokens = text.Tokens;
        for (var i = 0; i < count; i++)
        {
            if (!_profileLookup.TryGetValue(text.TextOf(tokens[i]), out var weights)) continue;
            foreach (var (l, weight) in weights) if (l == index) score += weight;
        }
        return score;
    }

    private string? AskLingua(TokenizedText text)
    {
        Interlocked.Increment(ref _linguaDecisions);
        var sample = new string(text.Original[..Math.Min(text.Length, text.TitleEnd + 1 + LinguaChars)]);
        var detected = _lingua.Value.DetectLanguageOf(sample);
        return LinguaLatin.GetValueOrDefault(detected);
    }
}
