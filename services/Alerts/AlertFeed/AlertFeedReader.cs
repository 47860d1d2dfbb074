using JasperFx.Events;
using Marten;
using Marten.Events;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Stories;
using Npgsql;

namespace Monitoring.Alerts.AlertFeed;

/// <summary>
/// Reads the alert feed straight from the event store, only up to the daemon's high-water mark: below it
/// every sequence number is either committed or known never to be, so a reader that moves its position
/// to the mark can never skip an event that commits late. Readers also wait for the story assigner, so that every
/// alert they read names its story.
/// </summary>
public sealed class AlertFeedReader(IDocumentStore store, NpgsqlDataSource database, StoryProgress stories, StoryLinks links)
{
    public const int PageSize = 500;

    /// <summary>The article events the alert feed is made of.</summary>
    public static readonly Type[] AlertEventTypes = [typeof(ArticleClassified), typeof(ArticleReclassified)];
    private static readonly Type[] FeedEventTypes = [.. AlertEventTypes, .. StoryItem.EventTypes];

    private string Schema => store.Options.Events.DatabaseSchemaName;

    /// <summary>The highest position every reader may safely advance to: assigned to stories, below the high-water mark.</summary>
    public async Task<long> SafePositionAsync(CancellationToken ct) =>
        await stories.SafePositionAsync(await HighWaterMarkAsync(ct), ct);

    /// <summary>The daemon's high-water mark: below it every sequence number is committed or never will be.</summary>
    public async Task<long> HighWaterMarkAsync(CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            $"select last_seq_id from {Schema}.mt_event_progression where name = 'HighWaterMark'");
        return await command.ExecuteScalarAsync(ct) is long position ? position : 0;
    }

    /// <summary>The position just before the first event recorded at or after <paramref name="time"/>.</summary>
    public async Task<long> PositionBeforeAsync(DateTimeOffset time, CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            $"select coalesce(max(seq_id), 0) from {Schema}.mt_events where timestamp < @time");
        command.Parameters.AddWithValue("time", time);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Alert feed entries with positions in (<paramref name="after"/>, <paramref name="upTo"/>], in order, at most
    /// <see cref="PageSize"/> events read. Reads the article events only: the story events between them (as big as the
    /// story's summary, two to three times an article's classification) are not loaded to be dropped.
    /// </summary>
    public async Task<(IReadOnlyList<AlertItem> Items, long ReadUpTo)> ReadAsync(long after, long upTo, CancellationToken ct)
    {
        var (_, items, readUpTo) = await ReadPageAsync(after, upTo, AlertEventTypes, ct);
        return (items, readUpTo);
    }

    /// <summary>Alert and story feed entries with positions in (<paramref name="after"/>, <paramref name="upTo"/>], in order.</summary>
    public async Task<(IReadOnlyList<AlertItem> Items, IReadOnlyList<StoryItem> Stories, long ReadUpTo)> ReadFeedAsync(
        long after, long upTo, CancellationToken ct)
    {
        var (events, items, readUpTo) = await ReadPageAsync(after, upTo, FeedEventTypes, ct);
        return (items, events.Select(StoryItem.From).OfType<StoryItem>().ToList(), readUpTo);
    }

    /// <summary>At most <see cref="PageSize"/> events of <paramref name="types"/> in (<paramref name="after"/>, <paramref name="upTo"/>], their alerts named with their stories, and how far they reach.</summary>
    private async Task<(IReadOnlyList<IEvent> Events, IReadOnlyList<AlertItem> Items, long ReadUpTo)> ReadPageAsync(
        long after, long upTo, Type[] types, CancellationToken ct)
    {
        var (events, readUpTo) = await ReadEventsAsync(after, upTo, types, ct);
        return (events, await links.NameStoriesAsync(events.Select(ToItem).OfType<AlertItem>().ToList(), ct), readUpTo);
    }

    /// <summary>
    /// At most <see cref="PageSize"/> events of <paramref name="types"/> in (<paramref name="after"/>, <paramref name="upTo"/>],
    /// in order, and how far they reach (<paramref name="upTo"/> unless the page is full); alerts not yet named with their stories.
    /// </summary>
    public async Task<(IReadOnlyList<IEvent> Events, long ReadUpTo)> ReadEventsAsync(long after, long upTo, Type[] types, CancellationToken ct)
    {
        IReadOnlyList<IEvent> events;
        await using (var session = store.QuerySession())
        {
            events = await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > after && e.Sequence <= upTo)
                .Where(e => e.EventTypesAre(types))
                .OrderBy(e => e.Sequence)
                .Take(PageSize)
                .ToListAsync(ct);
        }
        return (events, events.Count == PageSize ? events[^1].Sequence : upTo);
    }

    /// <summary>Every alert feed entry recorded in [<paramref name="since"/>, <paramref name="until"/>] (replay of a time range).</summary>
    public async IAsyncEnumerable<AlertItem> ReadRangeAsync(DateTimeOffset since, DateTimeOffset until,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (items, _) in ReadPagesAsync(since, until, ct))
            foreach (var item in items) yield return item;
    }

    /// <summary>Every story feed entry recorded in [<paramref name="since"/>, <paramref name="until"/>].</summary>
    public async IAsyncEnumerable<StoryItem> ReadStoryRangeAsync(DateTimeOffset since, DateTimeOffset until,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (_, stories) in ReadPagesAsync(since, until, ct))
            foreach (var story in stories) yield return story;
    }

    private async IAsyncEnumerable<(IReadOnlyList<AlertItem> Items, IReadOnlyList<StoryItem> Stories)> ReadPagesAsync(
        DateTimeOffset since, DateTimeOffset until, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var position = await PositionBeforeAsync(since, ct);
        var end = Math.Min(await PositionBeforeAsync(until.AddTicks(1), ct), await SafePositionAsync(ct));
        while (position < end)
        {
            var (items, stories, readUpTo) = await ReadFeedAsync(position, end, ct);
            yield return (items, stories);
            position = readUpTo;
        }
    }

    public static AlertItem? ToItem(IEvent e) =>
        e.Data is IArticleClassification classification ? AlertItem.From(e.Sequence, e.Timestamp, classification, TraceParentOf(e)) : null;

    /// <summary>The trace context the recorder stored with the event, if any.</summary>
    public static string? TraceParentOf(IEvent e) =>
        e.Headers is { } headers && headers.TryGetValue(Monitoring.Hosting.MonitoringTelemetry.TraceParentHeader, out var value)
            ? value?.ToString()
            : null;
}
