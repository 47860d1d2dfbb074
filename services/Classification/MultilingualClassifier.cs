using System.Diagnostics;
using Monitoring.Classification.Countries;
using Monitoring.Classification.Language;
using Monitoring.Classification.Matching;
using Monitoring.Classification.TopicScoring;

namespace Monitoring.Classification;

/// <summary>
/// The classifier: language → countries (primary and mentioned) → topics → severity, from the data files in
/// Data/. Thread-safe: the loaded data is read-only and each thread works in its own <see cref="ArticleAnalysis"/>.
/// </summary>
public sealed class MultilingualClassifier : IArticleClassifier
{
    private readonly TermIndex _index = new();
    private readonly LanguageIdentifier _languages;
    private readonly CountryGazetteer _gazetteer;
    private readonly TopicLexicon _topics;
    private readonly SeverityAssessor _severity;

    public MultilingualClassifier() : this(ClassifierData.Embedded())
    {
    }

    public MultilingualClassifier(ClassifierData data)
    {
        var clock = Stopwatch.StartNew();
        Version = data.Version;
        _languages = new LanguageIdentifier(data);
        _gazetteer = new CountryGazetteer(data, _index);
        _topics = new TopicLexicon(data, _index);
        _severity = new SeverityAssessor(_topics);
        LoadTime = clock.Elapsed;
    }

    public string Version { get; }

    /// <summary>How long loading the data took (the target is well under a second).</summary>
    public TimeSpan LoadTime { get; }

    public int GazetteerForms => _gazetteer.FormCount;
    public int LexiconTerms => _topics.TermCount;

    /// <summary>How many articles needed Lingua to decide their language.</summary>
    public long LinguaDecisions => _languages.LinguaDecisions;

    public ClassificationResult Classify(ArticleText article)
    {
        ArgumentNullException.ThrowIfNull(article);
        var analysis = ArticleAnalysis.ForThisThread();
        analysis.Load(article.Title ?? "", article.Text ?? "");
        var language = _languages.Identify(analysis.Text, article.LanguageHint);
        var languageIndex = Languages.IndexOf(language);
        _index.Match(analysis.Text, analysis.Matches);
        analysis.SelectMatches();
        var countries = CountryResolver.Resolve(analysis, _gazetteer, languageIndex);
        var topics = _topics.Score(analysis, languageIndex, countries.Count(c => c.Primary));
        var severity = _severity.Assess(analysis, topics, countries, languageIndex);
        return new ClassificationResult(language, countries, topics, severity, Version);
    }
}
