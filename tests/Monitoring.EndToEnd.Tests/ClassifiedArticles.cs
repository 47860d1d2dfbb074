using Monitoring.Contracts;

namespace Monitoring.EndToEnd.Tests;

/// <summary>Classified articles as the Classifier would publish them, for tests that drive the Alerts service alone.</summary>
public static class ClassifiedArticles
{
    public static ArticleClassified Create(string id, string[] primary, string[] topics, Severity severity = Severity.High, int revision = 1)
    {
        var now = DateTimeOffset.UtcNow;
        var article = new ArticleFetched(id, revision, "https://feeds.example/rss", "Example Wire", $"https://news.example/{id}",
            $"Article {id}", "Text of the article.", "en", now.AddMinutes(-3), now, $"hash-{id}-{revision}");
        return new ArticleClassified(article, "en", primary.Select(c => new CountryMention(c, 3, true)).ToList(),
            topics.Select(t => new TopicScore(t, 2.5, [t])).ToList(), severity, "e2e-1", now);
    }
}
