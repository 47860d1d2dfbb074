using Monitoring.Contracts;

namespace Monitoring.Classification;

/// <summary>What the classifier reads: an article's title and text, with the feed's language if it gave one.</summary>
public sealed record ArticleText(string Id, string Title, string Text, string? LanguageHint = null, string? Url = null);

/// <summary>What the classifier decided about one article.</summary>
public sealed record ClassificationResult(
    string Language,
    IReadOnlyList<CountryMention> Countries,
    IReadOnlyList<TopicScore> Topics,
    Severity Severity,
    string ClassifierVersion)
{
    public IEnumerable<string> PrimaryCountries => Countries.Where(c => c.Primary).Select(c => c.Code);
}

/// <summary>Classifies articles; thread-safe, loaded once per process.</summary>
public interface IArticleClassifier
{
    /// <summary>Changes whenever the rules or the data change, so history can be reclassified.</summary>
    string Version { get; }

    ClassificationResult Classify(ArticleText article);
}
