using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Decides which events a classified article adds to its stream. Pure: the same input always gives
/// the same events, and a message already recorded gives none (at-least-once delivery is safe).
/// </summary>
public static class ArticleRecording
{
    public static IReadOnlyList<object> Decide(ArticleDetails? current, Bus.ArticleClassified message)
    {
        var article = message.Article;
        var classified = new ArticleClassified(
            article.ArticleId, article.Revision, article.Title, article.Url, article.Source, article.PublishedAt,
            message.Language, message.Countries, message.Topics, message.Severity, message.ClassifierVersion,
            message.ClassifiedAt);

        if (current is null)
        {
            return
            [
                new ArticleFetched(article.ArticleId, article.Revision, article.FeedUrl, article.Source, article.Url,
                    article.Title, article.Text, article.LanguageHint, article.PublishedAt, article.FetchedAt, article.ContentHash),
                classified,
            ];
        }

        if (article.Revision > current.Revision)
        {
            return
            [
                new ArticleUpdated(article.ArticleId, article.Revision, article.Title, article.Text, article.Url,
                    article.PublishedAt, article.FetchedAt, article.ContentHash),
                classified,
            ];
        }

        // Same or older revision: a redelivery, a duplicate from a second feed, or an out-of-order edit.
        return [];
    }
}
