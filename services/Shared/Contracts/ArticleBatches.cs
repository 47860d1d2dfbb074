namespace Monitoring.Contracts;

/// <summary>
/// The new and edited articles of one feed poll, published as one message (at most <see cref="ArticleBatches.MaxArticles"/>
/// articles or about a megabyte of text; a bigger poll goes out as several). RabbitMQ's cost is mostly per message, not
/// per byte (on this project's 2-core machine: 11,200 messages/s of 1 KB, 8,100 of 5 KB, 5,600 of 50 KB), so a poll's
/// ten articles cost the broker about what one did. Each article keeps its own identity and trace:
/// <see cref="TraceParents"/>, when present, holds the W3C <c>traceparent</c> of each article's trace, index for index.
/// A single <see cref="ArticleFetched"/> message is still understood by the Classifier.
/// </summary>
public sealed record ArticlesFetched(IReadOnlyList<ArticleFetched> Articles, IReadOnlyList<string?>? TraceParents = null)
{
    /// <summary>The trace context of article <paramref name="index"/>, or null.</summary>
    public string? TraceParentOf(int index) => TraceParents is { } parents && index < parents.Count ? parents[index] : null;
}

/// <summary>
/// What the Classifier decided about a batch of <see cref="ArticlesFetched"/>: one <see cref="ArticleClassified"/> per article
/// it classified, with each article's trace context in <see cref="TraceParents"/>, index for index. A single
/// <see cref="ArticleClassified"/> message is still understood by the Alerts service.
/// </summary>
public sealed record ArticlesClassified(IReadOnlyList<ArticleClassified> Articles, IReadOnlyList<string?>? TraceParents = null)
{
    /// <summary>The trace context of article <paramref name="index"/>, or null.</summary>
    public string? TraceParentOf(int index) => TraceParents is { } parents && index < parents.Count ? parents[index] : null;
}

public static class ArticleBatches
{
    /// <summary>At most this many articles in one message.</summary>
    public const int MaxArticles = 100;

    /// <summary>At most about this many characters of title and text in one message (roughly a megabyte as UTF-8).</summary>
    public const int MaxCharacters = 512 * 1024;

    /// <summary>
    /// The items in order, cut into batches of at most <see cref="MaxArticles"/> and about <see cref="MaxCharacters"/>
    /// characters (an item bigger than that on its own is a batch of one).
    /// </summary>
    public static IEnumerable<List<T>> Chunk<T>(IEnumerable<T> items, Func<T, int> characters)
    {
        var batch = new List<T>();
        var size = 0;
        foreach (var item in items)
        {
            var length = characters(item);
            if (batch.Count > 0 && (batch.Count == MaxArticles || size + length > MaxCharacters))
            {
                yield return batch;
                batch = [];
                size = 0;
            }
            batch.Add(item);
            size += length;
        }
        if (batch.Count > 0) yield return batch;
    }

    public static int Characters(ArticleFetched article) => (article.Title?.Length ?? 0) + (article.Text?.Length ?? 0);
}
