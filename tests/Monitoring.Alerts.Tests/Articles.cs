using Monitoring.Contracts;

namespace Monitoring.Alerts.Tests;

/// <summary>Bus messages as the Classifier would publish them.</summary>
public static class Articles
{
    public static ArticleClassified Classified(
        string id, int revision = 1, string title = "UE dan Jepang memperkuat hubungan militer",
        string[]? primary = null, string[]? mentioned = null, Severity severity = Severity.High,
        string[]? topics = null, DateTimeOffset? classifiedAt = null, string version = "test-1")
    {
        var fetchedAt = classifiedAt ?? DateTimeOffset.UtcNow;
        var article = new ArticleFetched(id, revision, "https://feeds.example/id.xml", "Kabar Contoh",
            $"https://kabar.example/{id}", title, "Teks artikel revisi " + revision, "id", fetchedAt.AddMinutes(-5), fetchedAt,
            "hash-" + id + "-" + revision);
        var countries = (primary ?? ["JP", "EU"]).Select(c => new CountryMention(c, 5, true))
            .Concat((mentioned ?? ["CN", "KP"]).Select(c => new CountryMention(c, 1, false)))
            .ToList();
        var topicScores = (topics ?? [Topics.DefenseCooperation, Topics.MissilesWmd])
            .Select(t => new TopicScore(t, 3, ["evidence for " + t])).ToList();
        return new ArticleClassified(article, "id", countries, topicScores, severity, version, fetchedAt);
    }
}
