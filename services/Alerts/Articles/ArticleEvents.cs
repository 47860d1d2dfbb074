using Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

// The events of one article's stream (stream id = article id). They are the system of record:
// every read model is a projection of them and can be rebuilt from them.

/// <summary>The first version of an article the poller saw.</summary>
public sealed record ArticleFetched(
    string ArticleId, int Revision, string FeedUrl, string Source, string Url, string Title, string Text,
    string? LanguageHint, DateTimeOffset? PublishedAt, DateTimeOffset FetchedAt, string ContentHash);

/// <summary>A later edit of the article (same id, changed title or text).</summary>
public sealed record ArticleUpdated(
    string ArticleId, int Revision, string Title, string Text, string Url, DateTimeOffset? PublishedAt,
    DateTimeOffset FetchedAt, string ContentHash);

/// <summary>
/// What the classifier decided for one revision of the article. Carries the headline fields an alert
/// shows so alert projections need no other event.
/// </summary>
public sealed record ArticleClassified(
    string ArticleId, int Revision, string Title, string Url, string Source, DateTimeOffset? PublishedAt,
    string Language, IReadOnlyList<CountryMention> Countries, IReadOnlyList<TopicScore> Topics,
    Severity Severity, string ClassifierVersion, DateTimeOffset ClassifiedAt)
{
    public IEnumerable<string> PrimaryCountries => Countries.Where(c => c.Primary).Select(c => c.Code);
}
