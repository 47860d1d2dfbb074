using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Monitoring.Contracts;

namespace Monitoring.Classification;

/// <summary>
/// The walking skeleton's first honest rule set: a small gazetteer and topic lexicon matched on word
/// boundaries. Countries named in the title are primary; without any, the most-mentioned ones are.
/// </summary>
public sealed class RuleClassifier : IArticleClassifier
{
    private readonly IReadOnlyList<(string Code, string Name, bool CaseSensitive)> _countryNames;
    private readonly IReadOnlyList<(string Topic, double Weight, string Phrase)> _topicPhrases;

    public RuleClassifier()
    {
        var countries = ReadResource("countries.tsv");
        var topics = ReadResource("topics.tsv");
        _countryNames = ParseCountries(countries);
        _topicPhrases = ParseTopics(topics);
        Version = "rules-1." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(countries + topics)))[..10];
    }

    public string Version { get; }

    public ClassificationResult Classify(ArticleText article)
    {
        var title = Normalize(article.Title);
        var body = Normalize(article.Text);
        var titleLower = title.ToLowerInvariant();
        var bodyLower = body.ToLowerInvariant();

        var mentions = new Dictionary<string, int>();
        var inTitle = new HashSet<string>();
        foreach (var (code, name, caseSensitive) in _countryNames)
        {
            var inT = caseSensitive ? CountWords(title, name) : CountWords(titleLower, name);
            var inB = caseSensitive ? CountWords(body, name) : CountWords(bodyLower, name);
            if (inT + inB == 0) continue;
            mentions[code] = mentions.GetValueOrDefault(code) + inT + inB;
            if (inT > 0) inTitle.Add(code);
        }

        var top = mentions.Count == 0 ? 0 : mentions.Values.Max();
        var countries = mentions
            .Select(m => new CountryMention(m.Key, m.Value,
                inTitle.Count > 0 ? inTitle.Contains(m.Key) : m.Value == top && top >= 2))
            .OrderByDescending(c => c.Primary).ThenByDescending(c => c.Mentions).ThenBy(c => c.Code)
            .ToList();

        var topicScores = new Dictionary<string, (double Score, List<string> Evidence)>();
        var text = titleLower + "\n" + bodyLower;
        foreach (var (topic, weight, phrase) in _topicPhrases)
        {
            var count = CountWords(text, phrase);
            if (count == 0) continue;
            if (!topicScores.TryGetValue(topic, out var entry)) entry = (0, []);
            entry.Evidence.Add(phrase);
            topicScores[topic] = (entry.Score + weight * Math.Min(count, 3), entry.Evidence);
        }
        var topics = topicScores
            .Where(t => t.Value.Score >= 2)
            .Select(t => new TopicScore(t.Key, Math.Round(t.Value.Score, 2), t.Value.Evidence))
            .OrderByDescending(t => t.Score).ThenBy(t => t.Id)
            .ToList();

        return new ClassificationResult(
            article.LanguageHint is { Length: > 0 } hint ? hint.Split('-')[0].ToLowerInvariant() : "und",
            countries, topics, SeverityOf(topics, text), Version);
    }

    private static Severity SeverityOf(IReadOnlyList<TopicScore> topics, string text)
    {
        if (topics.Count == 0) return Severity.None;
        var ids = topics.Select(t => t.Id).ToHashSet();
        if (ids.Contains(Topics.MissilesWmd) && (CountWords(text, "icbm") > 0 || CountWords(text, "nuclear") > 0))
            return Severity.High;
        if (ids.Contains(Topics.ArmedConflict) || ids.Contains(Topics.Terrorism)) return Severity.High;
        return topics.Count >= 2 ? Severity.Medium : Severity.Low;
    }

    /// <summary>Occurrences of <paramref name="word"/> not inside a longer word (CJK names match anywhere).</summary>
    private static int CountWords(string text, string word)
    {
        var count = 0;
        var spaced = !IsCjk(word[0]);
        for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0;
             i = text.IndexOf(word, i + word.Length, StringComparison.Ordinal))
        {
            if (!spaced ||
                ((i == 0 || !char.IsLetterOrDigit(text[i - 1])) &&
                 (i + word.Length == text.Length || !char.IsLetterOrDigit(text[i + word.Length]))))
            {
                count++;
            }
        }
        return count;
    }

    private static bool IsCjk(char c) => c is >= '\u3040' and <= '\u9fff' or >= '\uac00' and <= '\ud7af';

    private static string Normalize(string text) => text.Normalize(NormalizationForm.FormKC);

    private static List<(string, string, bool)> ParseCountries(string tsv) =>
        Rows(tsv).SelectMany(row => row[1].Split('|').Select(name =>
        {
            var normalized = Normalize(name.Trim());
            // Short all-caps abbreviations (EU, UK, USA) would hit ordinary words if matched without case.
            var caseSensitive = normalized.Length <= 4 && normalized.All(c => !char.IsLetter(c) || char.IsUpper(c));
            return (row[0], caseSensitive ? normalized : normalized.ToLowerInvariant(), caseSensitive);
        })).ToList();

    private static List<(string, double, string)> ParseTopics(string tsv) =>
        Rows(tsv).Select(row => (row[0], double.Parse(row[1], CultureInfo.InvariantCulture), Normalize(row[2]).ToLowerInvariant())).ToList();

    private static IEnumerable<string[]> Rows(string tsv) =>
        tsv.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t'));

    private static string ReadResource(string name)
    {
        using var stream = typeof(RuleClassifier).Assembly.GetManifestResourceStream("Monitoring.Classification.Data." + name)
            ?? throw new InvalidOperationException($"Embedded data file {name} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
