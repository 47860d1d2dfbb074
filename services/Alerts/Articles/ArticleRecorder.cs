using System.Diagnostics.Metrics;
using JasperFx;
using JasperFx.Events;
using Marten;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Appends classified articles to their streams, a batch per transaction. Every stream is appended under
/// optimistic concurrency (a new stream must not exist yet; an existing one must still be at the version read),
/// so two writers racing each other cannot both append: the loser's batch fails, re-reads the streams and
/// decides again (here, a few times; then the bus's retry policy takes over).
/// </summary>
public sealed class ArticleRecorder(IDocumentStore store, ILogger<ArticleRecorder> logger)
{
    private static readonly Counter<long> Recorded =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.recorded", description: "Classified articles appended to the event store");
    private static readonly Counter<long> Duplicates =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.duplicates", description: "Deliveries that appended nothing");

    private const int MaxAttempts = 5;

    /// <returns>True when events were appended, false for a delivery already recorded.</returns>
    public async Task<bool> RecordAsync(Bus.ArticleClassified message, CancellationToken ct) =>
        await RecordBatchAsync([message], ct) == 1;

    /// <returns>How many of the messages appended events (the rest were already recorded).</returns>
    public async Task<int> RecordBatchAsync(IReadOnlyList<Bus.ArticleClassified> messages, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRecordBatchAsync(messages, ct);
            }
            catch (Exception e) when (attempt < MaxAttempts && e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or ExistingStreamIdCollisionException)
            {
                AlertsLog.RecordingConflict(logger, messages.Count, attempt);
            }
        }
    }

    private async Task<int> TryRecordBatchAsync(IReadOnlyList<Bus.ArticleClassified> messages, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var ids = messages.Select(m => m.Article.ArticleId).Distinct().ToArray();
        var stored = (await session.LoadManyAsync<ArticleDetails>(ct, ids)).ToDictionary(a => a.Id);

        var appended = 0;
        foreach (var group in messages.GroupBy(m => m.Article.ArticleId))
        {
            stored.TryGetValue(group.Key, out var current);
            var startVersion = current?.Version ?? 0;
            var events = new List<object>();
            foreach (var message in group.OrderBy(m => m.Article.Revision))
            {
                var decided = ArticleRecording.Decide(current, message);
                if (decided.Count == 0)
                {
                    Duplicates.Add(1);
                    AlertsLog.DuplicateIgnored(logger, group.Key, message.Article.Revision);
                    continue;
                }
                events.AddRange(decided);
                current = Fold(current, decided);
                appended++;
            }

            if (events.Count == 0) continue;
            if (startVersion == 0) session.Events.StartStream<ArticleDetails>(group.Key, events);
            else session.Events.Append(group.Key, startVersion + events.Count, events);
        }

        if (appended > 0)
        {
            await session.SaveChangesAsync(ct);
            Recorded.Add(appended);
        }
        return appended;
    }

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
