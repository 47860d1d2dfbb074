using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Articles;

/// <summary>An entry of a feed as the article it will be published as: plain-text title and text, canonical link, stable id.</summary>
public sealed record ArticleDraft(string Id, string ContentHash, string Title, string Text, string? Url, DateTimeOffset? PublishedAt, string? Language, string? Guid)
{
    /// <summary>Longest text published for one article: enough for any news article, bounded for the bus and the store.</summary>
    public const int MaxTextLength = 100_000;
    public const int MaxTitleLength = 1_000;

    /// <summary>The draft for an entry, or null for an entry with neither title nor text.</summary>
    public static ArticleDraft? From(FeedEntry entry, string? feedLanguage)
    {
        var title = Truncate(entry.Title?.ToPlainText() ?? "", MaxTitleLength);
        var text = Truncate(entry.PlainText(), MaxTextLength);
        if (title.Length == 0 && text.Length == 0) return null;
        var canonical = ArticleIdentity.CanonicalUrl(entry.Link);
        return new ArticleDraft(
            ArticleIdentity.For(entry.Link, entry.Id, title, text),
            ArticleIdentity.ContentHash(title, text),
            title,
            text,
            canonical ?? entry.Link,
            entry.Published ?? entry.Updated,
            entry.Language ?? feedLanguage,
            entry.Id);
    }

    private static string Truncate(string value, int length)
    {
        if (value.Length <= length) return value;
        if (char.IsHighSurrogate(value[length - 1])) length--; // never cut a character in half
        return value[..length];
    }
}
