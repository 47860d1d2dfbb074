namespace Monitoring.Contracts;

/// <summary>
/// Published by the FeedPoller for every new article and every edit of a known one.
/// <see cref="Revision"/> is 1 for a new article and grows by one for each edit the poller saw;
/// consumers use (ArticleId, Revision) to recognise redeliveries.
/// </summary>
public sealed record ArticleFetched(
    string ArticleId,
    int Revision,
    string FeedUrl,
    string Source,
    string Url,
    string Title,
    string Text,
    string? LanguageHint,
    DateTimeOffset? PublishedAt,
    DateTimeOffset FetchedAt,
    string ContentHash);
