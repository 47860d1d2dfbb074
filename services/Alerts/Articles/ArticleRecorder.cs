using System.Diagnostics.Metrics;
using Marten;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Appends a classified article to its stream. Optimistic concurrency on the stream makes two
/// deliveries racing each other safe: the loser fails, is retried, finds the events there and appends nothing.
/// </summary>
public sealed class ArticleRecorder(IDocumentSession session, ILogger<ArticleRecorder> logger)
{
    private static readonly Counter<long> Recorded =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.recorded", description: "Classified articles appended to the event store");
    private static readonly Counter<long> Duplicates =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.duplicates", description: "Deliveries that appended nothing");

    /// <returns>True when events were appended, false for a delivery already recorded.</returns>
    public async Task<bool> RecordAsync(Bus.ArticleClassified message, CancellationToken ct)
    {
        var articleId = message.Article.ArticleId;
        var stream = await session.Events.FetchForWriting<ArticleDetails>(articleId, ct);
        var events = ArticleRecording.Decide(stream.Aggregate, message);
        if (events.Count == 0)
        {
            Duplicates.Add(1);
            AlertsLog.DuplicateIgnored(logger, articleId, message.Article.Revision);
            return false;
        }

        stream.AppendMany(events);
        await session.SaveChangesAsync(ct);
        Recorded.Add(1);
        return true;
    }
}
