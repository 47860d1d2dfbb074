namespace Monitoring.Contracts;

/// <summary>
/// What a consumer checks before it trusts a message from the bus: the fields every later stage relies on are
/// present and sane. A message that fails is rejected once, to the consumer's <c>_error</c> queue, instead of being
/// retried (retrying cannot make it valid) or crashing a stage further down.
/// </summary>
public static class MessageChecks
{
    /// <returns>Why the article cannot be processed, or null when it can.</returns>
    public static string? Problem(ArticleFetched? article) => article switch
    {
        null => "the message has no article",
        { ArticleId: null } or { ArticleId.Length: 0 } => "articleId is missing",
        { ArticleId.Length: > 512 } => "articleId is longer than 512 characters",
        { Revision: < 1 } => $"revision {article.Revision} is not a positive number",
        { Title: null, Text: null } => "the article has neither title nor text",
        { FeedUrl: null } or { Source: null } or { Url: null } or { ContentHash: null } => "feedUrl, source, url or contentHash is missing",
        _ when article.FetchedAt == default => "fetchedAt is missing",
        _ => null,
    };

    /// <returns>Why the classified article cannot be recorded, or null when it can.</returns>
    public static string? Problem(ArticleClassified? classified)
    {
        if (classified is null) return "the message has no classification";
        if (Problem(classified.Article) is { } article) return article;
        if (string.IsNullOrEmpty(classified.Language)) return "language is missing";
        if (string.IsNullOrEmpty(classified.ClassifierVersion)) return "classifierVersion is missing";
        if (!Enum.IsDefined(classified.Severity)) return $"severity {(int)classified.Severity} is not a severity";
        if (classified.Countries is null) return "countries is missing";
        foreach (var country in classified.Countries)
        {
            if (country?.Code is not { Length: 2 } code || !char.IsAsciiLetterUpper(code[0]) || !char.IsAsciiLetterUpper(code[1]))
                return $"country '{country?.Code}' is not an ISO 3166-1 alpha-2 code or EU";
        }
        if (classified.Topics is null) return "topics is missing";
        foreach (var topic in classified.Topics)
        {
            if (string.IsNullOrEmpty(topic?.Id) || topic.Evidence is null) return "a topic has no id or no evidence list";
        }
        return null;
    }
}
