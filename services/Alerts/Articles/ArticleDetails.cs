using Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// An article as it stands now: its latest headline and classification. Kept inline with every append (a
/// snapshot of its stream), so recording decisions read it under optimistic concurrency. The text is not
/// repeated here: it lives in the stream's ArticleFetched / ArticleUpdated events, which keeps this snapshot
/// small and the write path fast.
/// </summary>
public sealed class ArticleDetails
{
    public string Id { get; set; } = "";
    public int Revision { get; set; }
    public string FeedUrl { get; set; } = "";
    public string Source { get; set; } = "";
    public string Url { get; set; } = "";
    public string Title { get; set; } = "";
    public string? LanguageHint { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset FetchedAt { get; set; }
    public string ContentHash { get; set; } = "";
    public ArticleClassification? Classification { get; set; }

    /// <summary>When the article first raised an alert, if it ever did.</summary>
    public DateTimeOffset? AlertedAt { get; set; }

    /// <summary>Stream version, set by Marten: the expected version for the next append.</summary>
    public long Version { get; set; }

    public AlertState CurrentAlert => Classification is null
        ? AlertState.None
        : AlertState.Of(Classification.Countries, Classification.Topics, Classification.Severity);

    public static ArticleDetails Create(ArticleFetched e) => new()
    {
        Id = e.ArticleId,
        Revision = e.Revision,
        FeedUrl = e.FeedUrl,
        Source = e.Source,
        Url = e.Url,
        Title = e.Title,
        LanguageHint = e.LanguageHint,
        PublishedAt = e.PublishedAt,
        FetchedAt = e.FetchedAt,
        ContentHash = e.ContentHash,
    };

    public void Apply(ArticleUpdated e)
    {
        Revision = e.Revision;
        Title = e.Title;
        Url = e.Url;
        PublishedAt = e.PublishedAt ?? PublishedAt;
        FetchedAt = e.FetchedAt;
        ContentHash = e.ContentHash;
    }

    public void Apply(ArticleClassified e) => Classify(e);

    public void Apply(ArticleReclassified e) => Classify(e);

    private void Classify(IArticleClassification e)
    {
        Classification = new ArticleClassification(e.Revision, e.Language, e.Countries, e.Topics, e.Severity, e.ClassifierVersion, e.ClassifiedAt);
        if (AlertedAt is null && e.Alert().Countries.Count > 0) AlertedAt = e.DetectedAt;
    }
}

public sealed record ArticleClassification(
    int Revision, string Language, IReadOnlyList<CountryMention> Countries, IReadOnlyList<TopicScore> Topics,
    Severity Severity, string ClassifierVersion, DateTimeOffset ClassifiedAt)
{
    /// <summary>Same verdict: same countries with the same primary flags, same topics, same severity.</summary>
    public bool SameVerdictAs(IReadOnlyList<CountryMention> countries, IReadOnlyList<TopicScore> topics, Severity severity) =>
        severity == Severity &&
        Countries.Select(c => (c.Code, c.Primary)).Order().SequenceEqual(countries.Select(c => (c.Code, c.Primary)).Order()) &&
        Topics.Select(t => t.Id).Order().SequenceEqual(topics.Select(t => t.Id).Order());
}
