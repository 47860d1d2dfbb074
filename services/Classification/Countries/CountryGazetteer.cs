using Monitoring.Classification.Language;
using Monitoring.Classification.Matching;
using Monitoring.Classification.Text;

namespace Monitoring.Classification.Countries;

/// <summary>
/// Every ISO 3166-1 country plus EU, with its names, adjectives, cities and metonyms in the 25 languages
/// (gazetteer.generated.tsv from CLDR and i18n packages, gazetteer.supplement.tsv curated by hand), loaded into
/// the shared <see cref="TermIndex"/>. Grammar the data need not spell out is added here: Russian, Ukrainian
/// and Polish names take case endings (России, Japonii), English, German and Dutch names a genitive -s
/// (Deutschlands), Romance, German and English adjectives their gender and number forms, Arabic and Hebrew
/// names their article-less and plural forms.
/// </summary>
public sealed class CountryGazetteer
{
    private static readonly HashSet<string> NameKinds = ["name", "short", "variant", "official", "capital", "city", "seat", "army"];
    private static readonly HashSet<string> AllKinds = [.. NameKinds, "demonym", "abbr", "block", "rule", "honorific"];

    private readonly List<string> _codes = [];
    private readonly Dictionary<string, int> _codeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _cueIds = new(StringComparer.Ordinal) { ["(honorific)"] = HonorificCue };
    private readonly HashSet<string> _added = new(StringComparer.Ordinal);

    /// <summary>Cue id of words that may stand capitalised beside a country name (King, President) without making it a person.</summary>
    public const int HonorificCue = 0;

    public IReadOnlyList<string> Codes => _codes;
    public int FormCount => _added.Count;
    public int CueCount => _cueIds.Count;

    public CountryGazetteer(ClassifierData data, TermIndex index)
    {
        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        var rows = new List<(string File, int Line, string Code, string Languages, string Kind, string Form, string Flags)>();
        foreach (var file in new[] { "gazetteer.generated.tsv", "gazetteer.supplement.tsv" })
        {
            foreach (var (line, f) in data.Rows(file))
            {
                if (f.Length is < 4 or > 5) throw ClassifierData.Invalid(file, line, "expected code, language, kind, form[, flags]");
                if (!AllKinds.Contains(f[2])) throw ClassifierData.Invalid(file, line, $"unknown kind '{f[2]}'");
                var flags = f.Length == 5 ? f[4] : "";
                if (f[2] == "rule") rules[Key(f[0], f[3])] = flags;
                else rows.Add((file, line, f[0], f[1], f[2], f[3], flags));
            }
        }
        foreach (var (file, line, code, languages, kind, form, flags) in rows)
        {
            try
            {
                AddRow(index, code, languages, kind, form, flags, rules);
            }
            catch (ArgumentException e)
            {
                throw ClassifierData.Invalid(file, line, e.Message);
            }
        }
    }

    public int IndexOf(string code) => _codeIndex.TryGetValue(code, out var index) ? index : -1;

    private static string Key(string code, string form) => code + "\t" + Fold(form);

    private static string Fold(string form)
    {
        var tokens = TokenizedText.Of(form);
        return string.Join(' ', Enumerable.Range(0, tokens.TokenCount).Select(t => tokens.TextOf(tokens.Tokens[t]).ToString().Replace("\u200B", "")));
    }

    private void AddRow(TermIndex index, string code, string languageList, string kind, string form, string flagText,
        Dictionary<string, string> rules)
    {
        if (kind == "honorific")
        {
            index.Add(FoldedPhrase(form), new Term { Kind = TermKind.Cue, Targets = [HonorificCue], Phrase = form });
            return;
        }
        var languages = languageList.Split(',');
        var mask = Languages.MaskOf(languageList);
        var options = ParseFlags(rules.GetValueOrDefault(Key(code, form), "") + ";" + flagText);
        var targets = kind == "block" ? [] : code.Split('+').Select(CountryIndex).ToArray();
        var tokens = TokenizedText.Of(form.Replace("*", "").Replace("~", ""));
        if (tokens.TokenCount == 0) return;
        var casedScript = tokens.Tokens[0].Script is Script.Latin or Script.Cyrillic or Script.Greek;
        var flags = TermFlags.None;
        var allCaps = casedScript && !options.AnyCase && Enumerable.Range(0, tokens.TokenCount).All(t => tokens.Tokens[t].Has(TokenFlags.AllCaps));
        if (allCaps && form.Count(char.IsLetter) >= 2) flags |= TermFlags.AllCaps;
        else if (casedScript && !options.AnyCase && (NameKinds.Contains(kind) || (kind == "demonym" && languages.Contains("en"))) &&
                 tokens.Tokens[0].Has(TokenFlags.Capitalized))
        {
            flags |= TermFlags.Capitalized;
        }
        if (options.Person) flags |= TermFlags.PersonName;
        if (options.Syllable || (languages.Contains("vi") && tokens.TokenCount == 1 && NameKinds.Contains(kind))) flags |= TermFlags.NameSyllable;

        var term = new Term
        {
            Kind = kind == "block" ? TermKind.CountryBlock : TermKind.Country,
            Targets = targets,
            Flags = flags,
            Languages = options.Only ? mask : 0,
            Phrase = form,
            ContraCues = options.Contra.Select(c => CueId(index, c)).ToArray(),
            SupportCues = options.Support.Select(c => CueId(index, c)).ToArray(),
        };

        var explicitPattern = form.Contains('*') || form.Contains('~');
        var phrases = new List<string>();
        if (explicitPattern) phrases.Add(FoldedPhrase(form));
        else
        {
            var words = Enumerable.Range(0, tokens.TokenCount).Select(t => tokens.TextOf(tokens.Tokens[t]).ToString().Replace("\u200B", "")).ToList();
            phrases.Add(string.Join(' ', words));
            if (!allCaps) AddGrammaticalForms(words, languages, kind, tokens.Tokens[0].Script, phrases);
        }
        for (var p = 0; p < phrases.Count; p++)
        {
            var phrase = phrases[p];
            var phraseTerm = term;
            // Polish stems (Indie → indi~) would reach into other languages' words (Indiana): Polish articles only.
            if (p > 0 && phrase.Contains('~') && tokens.Tokens[0].Script == Script.Latin)
            {
                phraseTerm = new Term
                {
                    Kind = term.Kind, Targets = term.Targets, Flags = term.Flags, Languages = mask, Phrase = term.Phrase,
                    ContraCues = term.ContraCues, SupportCues = term.SupportCues,
                };
            }
            var key = $"{phrase}\t{code}\t{(int)flags}\t{phraseTerm.Languages}\t{term.Kind}\t{string.Join(',', options.Contra)}";
            if (_added.Add(key)) index.Add(phrase, phraseTerm);
        }
    }

    private static void AddGrammaticalForms(List<string> words, string[] languages, string kind, Script script, List<string> phrases)
    {
        var last = words[^1];
        var head = words.Count > 1 ? string.Join(' ', words.Take(words.Count - 1)) + " " : "";
        var slavic = languages.Any(l => l is "ru" or "uk" or "pl");
        if (slavic && kind != "abbr")
        {
            phrases.Add(string.Join(' ', words.Select(SlavicStem)));
        }
        if (script == Script.Latin && languages.Any(l => l is "en" or "de" or "nl") && (NameKinds.Contains(kind) || kind == "demonym") &&
            !last.EndsWith('s') && !last.EndsWith('x') && !last.EndsWith('z'))
        {
            phrases.Add(head + last + "s");
        }
        if (kind == "demonym")
        {
            foreach (var language in languages)
            {
                foreach (var form in DemonymForms(language, last)) phrases.Add(head + form);
            }
        }
        if (script == Script.Arabic)
        {
            if (words[0].StartsWith("ال") && words[0].Length > 4) phrases.Add(string.Join(' ', words.Skip(1).Prepend(words[0][2..])));
            if (kind == "demonym") foreach (var ending in new[] { "ه", "ين", "ون" }) phrases.Add(head + last + ending);
        }
        if (script == Script.Hebrew)
        {
            if (words[0].StartsWith('ה') && words[0].Length > 3) phrases.Add(string.Join(' ', words.Skip(1).Prepend(words[0][1..])));
            if (kind == "demonym" && last.EndsWith('י'))
            {
                // ישראלי → ישראלית, ישראלים, ישראליות
                phrases.Add(head + last + "ת");
                phrases.Add(head + last[..^1] + "ים");
                phrases.Add(head + last + "ות");
            }
        }
    }

    /// <summary>Россия → росси~ (России, Россией), Polska → polsk~ (Polski), Иран → иран~ (Ирана); short words stay exact.</summary>
    private static string SlavicStem(string word)
    {
        if (word.Length < 4) return word;
        foreach (var ending in AdjectiveEndings)
        {
            if (word.EndsWith(ending, StringComparison.Ordinal) && word.Length - ending.Length >= 3) return word[..^ending.Length] + "~";
        }
        var last = word[^1];
        var vowel = "аеёиоуыэюяйьіїєaeiouyąę".Contains(last);
        if (vowel) return word.Length >= 5 ? word[..^1] + "~" : word;
        return word + "~";
    }

    private static readonly string[] AdjectiveEndings = ["ая", "яя", "ий", "ый", "ой", "ое", "ее", "ые", "ие", "ую", "ої", "ій"];

    private static IEnumerable<string> DemonymForms(string language, string word)
    {
        switch (language)
        {
            case "en":
                yield return word + "s";
                break;
            case "de" or "nl" when word.EndsWith("isch"):
                foreach (var e in language == "de" ? new[] { "e", "en", "er", "es", "em" } : ["e"]) yield return word + e;
                break;
            case "de":
                yield return word + "n";
                yield return word + "en";
                break;
            case "es" or "pt" or "it" when word.EndsWith('o'):
                var stem = word[..^1];
                foreach (var e in language == "it" ? new[] { "a", "i", "e" } : ["a", "os", "as"]) yield return stem + e;
                break;
            case "es" or "pt" when word.EndsWith("és") || word.EndsWith("ês"):
                var s = word[..^2] + "es";
                foreach (var e in new[] { "a", "as", "es" }) yield return s[..^1] + (e == "es" ? "ses" : "s" + e);
                break;
            case "es" or "pt" or "fr" when word.EndsWith('e'):
                yield return word + "s";
                break;
            case "it" when word.EndsWith('e'):
                yield return word[..^1] + "i";
                break;
            case "fr" when word.EndsWith("ien"):
                foreach (var e in new[] { "ne", "s", "nes" }) yield return word + e;
                break;
            case "fr" when word.EndsWith('s'):
                foreach (var e in new[] { "e", "es" }) yield return word + e;
                break;
            case "fr":
                foreach (var e in new[] { "e", "s", "es" }) yield return word + e;
                break;
        }
    }

    private static string FoldedPhrase(string form) => string.Join(' ', form.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word =>
    {
        var marker = word.EndsWith('*') ? "*" : word.EndsWith('~') ? "~" : "";
        var folded = Fold(word.TrimEnd('*', '~'));
        return folded + marker;
    }));

    private int CountryIndex(string code)
    {
        if (code.Length != 2 || !code.All(char.IsAsciiLetterUpper)) throw new ArgumentException($"'{code}' is not a country code");
        if (!_codeIndex.TryGetValue(code, out var index))
        {
            _codeIndex[code] = index = _codes.Count;
            _codes.Add(code);
        }
        return index;
    }

    private int CueId(TermIndex index, string phrase)
    {
        var key = FoldedPhrase(phrase);
        if (!_cueIds.TryGetValue(key, out var id))
        {
            _cueIds[key] = id = _cueIds.Count;
            index.Add(key, new Term { Kind = TermKind.Cue, Targets = [id], Phrase = phrase });
        }
        return id;
    }

    private sealed record Options(bool Person, bool Syllable, bool Only, bool AnyCase, string[] Contra, string[] Support);

    private static Options ParseFlags(string text)
    {
        bool person = false, syllable = false, only = false, anyCase = false;
        string[] contra = [], support = [];
        foreach (var flag in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, value) = flag.IndexOf('=') is var eq and > 0 ? (flag[..eq], flag[(eq + 1)..]) : (flag, "");
            switch (name)
            {
                case "person": person = true; break;
                case "syllable": syllable = true; break;
                case "only": only = true; break;
                case "anycase": anyCase = true; break;
                case "contra": contra = [.. contra, .. value.Split('|')]; break;
                case "support": support = [.. support, .. value.Split('|')]; break;
                default: throw new ArgumentException($"unknown flag '{name}'");
            }
        }
        return new Options(person, syllable, only, anyCase, contra, support);
    }
}
