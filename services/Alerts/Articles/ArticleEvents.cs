using Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

// The events of one article's stream (stream id = article id). They are the system of record:
// every read model, every subscription and every replay is derived from them.

/// <summary>The first version of an article the poller saw.</summary>
public sealed record ArticleFetched(
    string ArticleId, int Revision, string FeedUrl, string Source, string Url, string Title, string Text,
    string? LanguageHint, DateTimeOffset? PublishedAt, DateTimeOffset FetchedAt, string ContentHash);

/// <summary>A later edit of the article (same id, changed title or text).</summary>
public sealed record ArticleUpdated(
    string ArticleId, int Revision, string Title, string Text, string Url, DateTimeOffset? PublishedAt,
    DateTimeOffset FetchedAt, string ContentHash);

/// <summary>
/// What an article alerts on: its primary countries when it has any security topic (severity above none),
/// else nothing. Carried by classification events so that projections and subscriptions can tell what
/// changed without reading any other event.
/// </summary>
public sealed record AlertState(IReadOnlyList<string> Countries, IReadOnlyList<string> Topics, Severity Severity)
{
    public static readonly AlertState None = new([], [], Severity.None);

    public static AlertState Of(IReadOnlyList<CountryMention> countries, IReadOnlyList<TopicScore> topics, Severity severity) =>
        severity == Severity.None || topics.Count == 0
            ? None
            : new AlertState(countries.Where(c => c.Primary).Select(c => c.Code).ToList(), topics.Select(t => t.Id).ToList(), severity);
}

/// <summary>What both classification events say: a classifier's verdict on one revision of the article.</summary>
public interface IArticleClassification
{
    string ArticleId { get; }
    int Revision { get; }
    string Title { get; }
    string Url { get; }
    string Source { get; }
    DateTimeOffset? PublishedAt { get; }
    string Language { get; }
    IReadOnlyList<CountryMention> Countries { get; }
    IReadOnlyList<TopicScore> Topics { get; }
    Severity Severity { get; }
    string ClassifierVersion { get; }
    DateTimeOffset ClassifiedAt { get; }

    /// <summary>When the article first raised an alert (this event's time if it is the first); fixed afterwards.</summary>
    DateTimeOffset DetectedAt { get; }

    /// <summary>What the article alerted on before this event (<see cref="AlertState.None"/> for the first).</summary>
    AlertState Previous { get; }

    /// <summary>When the poller fetched the revision this verdict is on (the start of the pipeline's latency).</summary>
    DateTimeOffset FetchedAt { get; }
}

/// <summary>The classification of a new article or of a new revision of it, as the Classifier service published it.</summary>
public sealed record ArticleClassified(
    string ArticleId, int Revision, string Title, string Url, string Source, DateTimeOffset? PublishedAt,
    string Language, IReadOnlyList<CountryMention> Countries, IReadOnlyList<TopicScore> Topics,
    Severity Severity, string ClassifierVersion, DateTimeOffset ClassifiedAt, DateTimeOffset DetectedAt,
    AlertState Previous, DateTimeOffset FetchedAt) : IArticleClassification;

/// <summary>
/// A different verdict on the same revision from a newer classifier (the reclassify command): appended only
/// when countries, primary flags, topics or severity changed.
/// </summary>
public sealed record ArticleReclassified(
    string ArticleId, int Revision, string Title, string Url, string Source, DateTimeOffset? PublishedAt,
    string Language, IReadOnlyList<CountryMention> Countries, IReadOnlyList<TopicScore> Topics,
    Severity Severity, string ClassifierVersion, DateTimeOffset ClassifiedAt, DateTimeOffset DetectedAt,
    AlertState Previous, string PreviousClassifierVersion, DateTimeOffset FetchedAt) : IArticleClassification;

public static class ArticleClassificationExtensions
{
    public static AlertState Alert(this IArticleClassification e) => AlertState.Of(e.Countries, e.Topics, e.Severity);

    /// <summary>Countries whose alert this event withdraws (alerted before, not any more).</summary>
    public static IReadOnlyList<string> WithdrawnCountries(this IArticleClassification e)
    {
        var now = e.Alert().Countries;
        return e.Previous.Countries.Where(c => !now.Contains(c)).ToList();
    }
}
