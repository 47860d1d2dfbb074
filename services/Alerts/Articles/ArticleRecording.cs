using Monitoring.Contracts;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Decides which events go into an article's stream. Pure: the same input always gives the same events,
/// and a message already recorded gives none, so at-least-once delivery is safe.
/// </summary>
public static class ArticleRecording
{
    /// <summary>A classified article from the bus: a new article, a new revision, or a redelivery (nothing).</summary>
    public static IReadOnlyList<object> Decide(ArticleDetails? current, Bus.ArticleClassified message)
    {
        var article = message.Article;
        if (current is not null && article.Revision <= current.Revision)
        {
            // Same or older revision: a redelivery, a duplicate from a second feed, or an edit arriving late.
            return [];
        }

        var previous = current?.CurrentAlert ?? AlertState.None;
        // Alerts keep the time (and day) they were first detected through every later change and withdrawal.
        var detectedAt = current?.AlertedAt ?? message.ClassifiedAt;
        var classified = new ArticleClassified(
            article.ArticleId, article.Revision, article.Title, article.Url, article.Source, article.PublishedAt,
            message.Language, message.Countries, message.Topics, message.Severity, message.ClassifierVersion,
            message.ClassifiedAt, detectedAt, previous, article.FetchedAt);

        return current is null
            ?
            [
                new ArticleFetched(article.ArticleId, article.Revision, article.FeedUrl, article.Source, article.Url,
                    article.Title, article.Text, article.LanguageHint, article.PublishedAt, article.FetchedAt, article.ContentHash),
                classified,
            ]
            :
            [
                new ArticleUpdated(article.ArticleId, article.Revision, article.Title, article.Text, article.Url,
                    article.PublishedAt, article.FetchedAt, article.ContentHash),
                classified,
            ];
    }

    /// <summary>
    /// A new verdict from the current classifier on the article as it stands: an <see cref="ArticleReclassified"/>
    /// when countries, primary flags, topics or severity differ from the recorded verdict, else nothing.
    /// </summary>
    public static ArticleReclassified? Reclassify(
        ArticleDetails current, string language, IReadOnlyList<CountryMention> countries, IReadOnlyList<TopicScore> topics,
        Severity severity, string classifierVersion, DateTimeOffset now)
    {
        if (current.Classification is { } recorded && recorded.SameVerdictAs(countries, topics, severity)) return null;
        return new ArticleReclassified(
            current.Id, current.Revision, current.Title, current.Url, current.Source, current.PublishedAt,
            language, countries, topics, severity, classifierVersion, now,
            current.AlertedAt ?? now,
            current.CurrentAlert, current.Classification?.ClassifierVersion ?? "", current.FetchedAt);
    }
}
