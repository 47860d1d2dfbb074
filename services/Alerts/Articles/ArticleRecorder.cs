using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Storage;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>A classified article as it came off the bus, with the trace context it was sent in.</summary>
public readonly record struct ClassifiedDelivery(Bus.ArticleClassified Message, ActivityContext Trace);

/// <summary>
/// Appends classified articles to their streams, a batch per transaction. Every stream is appended under
/// optimistic concurrency (a new stream must not exist yet; an existing one must still be at the version read),
/// so two writers racing each other cannot both append: the loser's batch fails, re-reads the streams and
/// decides again (here, a few times; then the bus's retry policy takes over). Each article's events carry the
/// trace context of its delivery in a <c>traceparent</c> header, so later stages continue the article's trace.
/// </summary>
public sealed class ArticleRecorder(IDocumentStore store, ILogger<ArticleRecorder> logger)
{
    private static readonly Counter<long> Recorded =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.recorded", description: "Classified articles appended to the event store");
    private static readonly Counter<long> Duplicates =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.duplicates", description: "Deliveries that appended nothing");
    /// <summary>Tagged <c>kind</c>: <c>version</c> (another writer appended first) or <c>deadlock</c> (PostgreSQL aborted the batch).</summary>
    private static readonly Counter<long> Conflicts =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.recording_conflicts", description: "Batches read and decided again after a concurrent append or a deadlock");

    private const int MaxAttempts = 5;

    /// <returns>True when events were appended, false for a delivery already recorded.</returns>
    public async Task<bool> RecordAsync(Bus.ArticleClassified message, CancellationToken ct) =>
        await RecordBatchAsync([message], ct) == 1;

    public Task<int> RecordBatchAsync(IReadOnlyList<Bus.ArticleClassified> messages, CancellationToken ct) =>
        RecordBatchAsync(messages.Select(m => new ClassifiedDelivery(m, default)).ToList(), ct);

    /// <returns>How many of the messages appended events (the rest were already recorded).</returns>
    public async Task<int> RecordBatchAsync(IReadOnlyList<ClassifiedDelivery> messages, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRecordBatchAsync(messages, ct);
            }
            catch (Exception e) when (attempt < MaxAttempts && ConflictKind(e) is { } kind)
            {
                Conflicts.Add(1, new KeyValuePair<string, object?>("kind", kind));
                AlertsLog.RecordingConflict(logger, messages.Count, kind, attempt);
            }
        }
    }

    private async Task<int> TryRecordBatchAsync(IReadOnlyList<ClassifiedDelivery> deliveries, CancellationToken ct)
    {
        // One transaction for the whole batch: new streams are written set-based on its connection, appends to existing
        // streams go through the Marten session enlisted in it.
        await using var connection = store.Storage.Database.CreateConnection(ConnectionUsage.ReadWrite);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction));
        var ids = deliveries.Select(d => d.Message.Article.ArticleId).Distinct().ToArray();
        var stored = (await session.LoadManyAsync<ArticleDetails>(ct, ids)).ToDictionary(a => a.Id);

        var appended = 0;
        var activities = new List<Activity>();
        var newStreams = new NewArticleStreams(store, session.TenantId);
        // Streams are written in one order (their ids, ordinal) by every writer, as the reclassifier does, so two
        // transactions appending to the same streams queue behind each other instead of deadlocking.
        foreach (var group in deliveries.GroupBy(d => d.Message.Article.ArticleId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            stored.TryGetValue(group.Key, out var current);
            var startVersion = current?.Version ?? 0;
            var events = new List<(object Data, string? TraceParent)>();
            foreach (var (message, trace) in group.OrderBy(d => d.Message.Article.Revision))
            {
                var decided = ArticleRecording.Decide(current, message);
                if (decided.Count == 0)
                {
                    Duplicates.Add(1);
                    AlertsLog.DuplicateIgnored(logger, group.Key, message.Article.Revision);
                    continue;
                }
                var activity = MonitoringTelemetry.Source.StartActivity("record article", ActivityKind.Internal, trace);
                activity?.SetTag("article.id", group.Key);
                if (activity is not null) activities.Add(activity);
                var traceParent = activity?.Id ?? (trace == default ? null : TraceParentOf(trace));
                events.AddRange(decided.Select(e => (e, traceParent)));
                current = Fold(current, decided);
                appended++;
            }

            if (events.Count == 0) continue;
            if (startVersion == 0) newStreams.Add(group.Key, events, current!);
            else session.Events.Append(group.Key, startVersion + events.Count, events.Select(e => WithTrace(e.Data, e.TraceParent)));
        }

        try
        {
            if (appended > 0)
            {
                await newStreams.WriteAsync(connection, ct);
                await session.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                Recorded.Add(appended);
                var now = DateTimeOffset.UtcNow;
                foreach (var delivery in deliveries)
                    MonitoringTelemetry.RecordStage(MonitoringTelemetry.Stages.Recorded, delivery.Message.Article.FetchedAt, now);
            }
        }
        finally
        {
            foreach (var activity in activities) activity.Dispose();
        }
        return appended;
    }

    /// <summary>
    /// A batch that lost a race: another writer appended to one of its streams first (a version conflict), or
    /// PostgreSQL chose this transaction as a deadlock's victim. A deadlock shows up either as itself or as "current
    /// transaction is aborted" (25P02): Marten replays a failed commit on a deadlock, but it cannot roll back a
    /// transaction it does not own, so its replay runs in the aborted one. Either way this transaction wrote nothing,
    /// and the batch is read and decided again in a new one.
    /// </summary>
    /// <returns><c>deadlock</c>, <c>version</c>, or null for any other failure.</returns>
    private static string? ConflictKind(Exception e) =>
        AnyInside(e, current => current is Npgsql.PostgresException
            { SqlState: Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.InFailedSqlTransaction }) ? "deadlock"
        : AnyInside(e, current => current is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or ExistingStreamIdCollisionException) ? "version"
        : null;

    /// <summary>True when <paramref name="e"/> or an exception inside it (inner, or one of an aggregate's) matches.</summary>
    private static bool AnyInside(Exception e, Func<Exception, bool> match)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (match(current)) return true;
            if (current is AggregateException aggregate) return aggregate.InnerExceptions.Any(inner => AnyInside(inner, match));
        }
        return false;
    }

    private static readonly ConcurrentDictionary<Type, Func<object, IEvent>> EventWrappers = new();

    /// <summary>The event wrapped with its trace context in a header, so the daemon's stages can continue the trace.</summary>
    private static object WithTrace(object data, string? traceParent)
    {
        if (traceParent is null) return data;
        var wrap = EventWrappers.GetOrAdd(data.GetType(), type =>
        {
            var eventType = typeof(Event<>).MakeGenericType(type);
            return d => (IEvent)Activator.CreateInstance(eventType, d)!;
        });
        var e = wrap(data);
        e.SetHeader(MonitoringTelemetry.TraceParentHeader, traceParent);
        return e;
    }

    private static string TraceParentOf(ActivityContext context) =>
        $"00-{context.TraceId}-{context.SpanId}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";

    /// <summary>The article after the decided events, so later messages of the same batch decide against it.</summary>
    private static ArticleDetails Fold(ArticleDetails? current, IReadOnlyList<object> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case ArticleFetched fetched: current = ArticleDetails.Create(fetched); break;
                case ArticleUpdated updated: current!.Apply(updated); break;
                case ArticleClassified classified: current!.Apply(classified); break;
            }
        }
        return current!;
    }
}
