using JasperFx.Events;
using Marten;
using Marten.Events;
using Monitoring.Alerts.Articles;
using Npgsql;

namespace Monitoring.Alerts.AlertFeed;

/// <summary>
/// Reads the alert feed straight from the event store, only up to the daemon's high-water mark: below it
/// every sequence number is either committed or known never to be, so a reader that moves its position
/// to the mark can never skip an event that commits late.
/// </summary>
public sealed class AlertFeedReader(IDocumentStore store, NpgsqlDataSource database)
{
    public const int PageSize = 500;

    private string Schema => store.Options.Events.DatabaseSchemaName;

    /// <summary>The highest position every reader may safely advance to.</summary>
    public async Task<long> SafePositionAsync(CancellationToken ct)
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

    /// <summary>Alert feed entries with positions in (<paramref name="after"/>, <paramref name="upTo"/>], in order, at most <see cref="PageSize"/> events read.</summary>
    public async Task<(IReadOnlyList<AlertItem> Items, long ReadUpTo)> ReadAsync(long after, long upTo, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > after && e.Sequence <= upTo)
            .Where(e => e.EventTypesAre(typeof(ArticleClassified), typeof(ArticleReclassified)))
            .OrderBy(e => e.Sequence)
            .Take(PageSize)
            .ToListAsync(ct);
        var readUpTo = events.Count == PageSize ? events[^1].Sequence : upTo;
        return (events.Select(ToItem).OfType<AlertItem>().ToList(), readUpTo);
    }

    /// <summary>Every alert feed entry recorded in [<paramref name="since"/>, <paramref name="until"/>] (replay of a time range).</summary>
    public async IAsyncEnumerable<AlertItem> ReadRangeAsync(DateTimeOffset since, DateTimeOffset until,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var position = await PositionBeforeAsync(since, ct);
        var end = Math.Min(await PositionBeforeAsync(until.AddTicks(1), ct), await SafePositionAsync(ct));
        while (position < end)
        {
            var (items, readUpTo) = await ReadAsync(position, end, ct);
            foreach (var item in items) yield return item;
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
