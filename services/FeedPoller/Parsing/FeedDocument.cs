namespace Monitoring.FeedPoller.Parsing;

/// <summary>The feed formats the parser recognises, with the version the document declared.</summary>
public enum FeedFormat
{
    Rss090, Rss091Netscape, Rss091Userland, Rss092, Rss093, Rss094, Rss20, RssUnversioned, Rss10,
    Atom03, Atom10, JsonFeed10, JsonFeed11,
}

/// <summary>How a piece of feed text is written: plain text, HTML (escaped or CDATA) or inline XHTML.</summary>
public enum FeedTextType { Text, Html, Xhtml }

/// <summary>A title, summary or content value as the feed wrote it, with its type.</summary>
public sealed record FeedText(string Value, FeedTextType Type, string? Language = null, string? Src = null, string? MediaType = null)
{
    /// <summary>The value as plain text: markup removed for HTML and XHTML, whitespace collapsed.</summary>
    public string ToPlainText() => Type == FeedTextType.Text ? HtmlText.CollapseWhitespace(Value) : HtmlText.ToPlainText(Value);
}

public sealed record FeedLink(string Href, string? Rel = null, string? MediaType = null, string? Title = null, long? Length = null, string? HrefLang = null);

public sealed record FeedPerson(string? Name, string? Email = null, string? Uri = null);

public sealed record FeedCategory(string Term, string? Scheme = null, string? Label = null);

public sealed record FeedEnclosure(string Url, string? MediaType, long? Length);

public sealed record FeedSource(string? Title, string? Url);

/// <summary>How often the feed says it changes: RSS ttl, or syndication-module period and frequency.</summary>
public sealed record FeedUpdateHint(TimeSpan? Ttl, string? SyPeriod, int? SyFrequency)
{
    /// <summary>The shortest interval the feed asks readers to keep between polls, if it says.</summary>
    public TimeSpan? MinimumInterval
    {
        get
        {
            if (Ttl is { } ttl && ttl > TimeSpan.Zero) return ttl;
            var period = SyPeriod?.Trim().ToLowerInvariant() switch
            {
                "hourly" => TimeSpan.FromHours(1),
                "daily" => TimeSpan.FromDays(1),
                "weekly" => TimeSpan.FromDays(7),
                "monthly" => TimeSpan.FromDays(30),
                "yearly" => TimeSpan.FromDays(365),
                _ => (TimeSpan?)null,
            };
            if (period is null) return null;
            return period / Math.Max(1, SyFrequency ?? 1);
        }
    }
}

/// <summary>
/// A parsed feed, close to what the document said: the poller turns entries into articles, the conformance run
/// compares it with other parsers' expectations. <see cref="Problems"/> lists what was wrong but recovered
/// (feedparser's "bozo"): an empty list means the document was well-formed and its encoding as declared.
/// </summary>
public sealed class FeedDocument
{
    public required FeedFormat Format { get; init; }
    public string? Id { get; init; }
    public FeedText? Title { get; init; }
    public string? Link { get; init; }
    public IReadOnlyList<FeedLink> Links { get; init; } = [];
    public FeedText? Description { get; init; }
    public string? Language { get; set; }
    public DateTimeOffset? Published { get; init; }
    public string? PublishedText { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public string? UpdatedText { get; init; }
    public IReadOnlyList<FeedPerson> Authors { get; init; } = [];
    public IReadOnlyList<FeedCategory> Categories { get; init; } = [];
    public string? Generator { get; init; }
    public string? Rights { get; init; }
    public string? Icon { get; init; }
    public string? ImageUrl { get; init; }
    public FeedUpdateHint? UpdateHint { get; init; }
    public IReadOnlyList<FeedEntry> Entries { get; init; } = [];

    /// <summary>The character encoding the text was finally decoded with (lower case, e.g. "utf-8", "windows-1251").</summary>
    public string Encoding { get; set; } = "utf-8";

    public List<string> Problems { get; } = [];
}

public sealed class FeedEntry
{
    /// <summary>The feed's own id for the entry: RSS guid, Atom id, JSON Feed id.</summary>
    public string? Id { get; init; }
    public FeedText? Title { get; init; }
    public string? Link { get; init; }
    public IReadOnlyList<FeedLink> Links { get; init; } = [];
    public FeedText? Summary { get; init; }
    public IReadOnlyList<FeedText> Contents { get; init; } = [];
    public DateTimeOffset? Published { get; init; }
    public string? PublishedText { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public string? UpdatedText { get; init; }
    public IReadOnlyList<FeedPerson> Authors { get; init; } = [];
    public IReadOnlyList<FeedCategory> Categories { get; init; } = [];
    public IReadOnlyList<FeedEnclosure> Enclosures { get; init; } = [];
    public string? Language { get; init; }
    public FeedSource? Source { get; init; }
    public string? Comments { get; init; }

    /// <summary>The entry's text for readers: the fullest content there is, else the summary, as plain text.</summary>
    public string PlainText()
    {
        var content = Contents.FirstOrDefault(c => c.Type != FeedTextType.Text && c.Value.Length > 0)
                      ?? Contents.FirstOrDefault(c => c.Value.Length > 0);
        var best = content is not null && (Summary is null || content.Value.Length >= Summary.Value.Length / 2) ? content : Summary ?? content;
        return best?.ToPlainText() ?? "";
    }
}

public sealed class FeedFormatException(string message, Exception? inner = null) : Exception(message, inner);
