namespace Monitoring.Contracts;

/// <summary>
/// The new and edited articles of one feed poll, published as one message (at most <see cref="ArticleBatches.MaxArticles"/>
/// articles or about <see cref="ArticleBatches.MaxTextBytes"/> of text; a bigger poll goes out as several). RabbitMQ's cost is mostly per message, not
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

    /// <summary>
    /// At most about this many bytes of title and text (as UTF-8) in one message: with the rest of each article and its
    /// classification the message stays below the runtime's 85,000-byte large-object limit. The bus copies each received
    /// message into one array; above the limit that array is a large object, and in the Alerts service (blocking gen2
    /// collections, see Directory.Build.props) large objects set off most full collections. With a limit of 512K
    /// characters the Classifier's messages averaged 110–160 KB in the load run's overload phase; with this one, at
    /// 1,000 articles/s, Alerts ran 12–13 full collections in 39 s instead of 38–39, paused 4.6 s instead of 6.2–6.4,
    /// and kept 1–4 MB of large objects instead of 33–41. A few more, smaller messages cost the broker little (see above).
    /// </summary>
    public const int MaxTextBytes = 48 * 1024;

    /// <summary>
    /// The items in order, cut into batches of at most <see cref="MaxArticles"/> and about <see cref="MaxTextBytes"/>
    /// (an item bigger than that on its own is a batch of one).
    /// </summary>
    public static IEnumerable<List<T>> Chunk<T>(IEnumerable<T> items, Func<T, int> bytes)
    {
        var batch = new List<T>();
        var size = 0;
        foreach (var item in items)
        {
            var length = bytes(item);
            if (batch.Count > 0 && (batch.Count == MaxArticles || size + length > MaxTextBytes))
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

    /// <summary>The article's title and text as UTF-8 bytes (what they take in the message, escaping aside).</summary>
    public static int TextBytes(ArticleFetched article) =>
        System.Text.Encoding.UTF8.GetByteCount(article.Title ?? "") + System.Text.Encoding.UTF8.GetByteCount(article.Text ?? "");
}
