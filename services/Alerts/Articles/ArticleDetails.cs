using Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>An article as it stands now: latest text and latest classification (inline snapshot of its stream).</summary>
public sealed class ArticleDetails
{
    public string Id { get; set; } = "";
    public int Revision { get; set; }
    public string FeedUrl { get; set; } = "";
    public string Source { get; set; } = "";
    public string Url { get; set; } = "";
    public string Title { get; set; } = "";
    public string Text { get; set; } = "";
    public string? LanguageHint { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset FetchedAt { get; set; }
    public string ContentHash { get; set; } = "";
    public ArticleClassification? Classification { get; set; }

    public static ArticleDetails Create(ArticleFetched e) => new()
    {
        Id = e.ArticleId,
        Revision = e.Revision,
        FeedUrl = e.FeedUrl,
        Source = e.Source,
        Url = e.Url,
        Title = e.Title,
        Text = e.Text,
        LanguageHint = e.LanguageHint,
        PublishedAt = e.PublishedAt,
        FetchedAt = e.FetchedAt,
        ContentHash = e.ContentHash,
    };

    public void Apply(ArticleUpdated e)
    {
        Revision = e.Revision;
        Title = e.Title;
        Text = e.Text;
        Url = e.Url;
        PublishedAt = e.PublishedAt ?? PublishedAt;
        FetchedAt = e.FetchedAt;
        ContentHash = e.ContentHash;
    }

    public void Apply(ArticleClassified e) =>
        Classification = new ArticleClassification(e.Revision, e.Language, e.Countries, e.Topics, e.Severity, e.ClassifierVersion, e.ClassifiedAt);
}

public sealed record ArticleClassification(
    int Revision, string Language, IReadOnlyList<CountryMention> Countries, IReadOnlyList<TopicScore> Topics,
    Severity Severity, string ClassifierVersion, DateTimeOffset ClassifiedAt);
