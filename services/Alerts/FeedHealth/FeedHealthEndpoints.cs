using Marten;

namespace Monitoring.Alerts.FeedHealth;

public static class FeedHealthEndpoints
{
    /// <summary>
    /// <c>GET /api/feed-health</c>: every feed the poller reported, failing first, with counts by status. The state is
    /// as the poller last published it (<c>changedAt</c>); <c>stale</c> marks a feed whose next poll is long overdue,
    /// which means the poller itself has stopped reporting.
    /// </summary>
    public static WebApplication MapFeedHealthApi(this WebApplication app)
    {
        app.MapGet("/api/feed-health", async (IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var feeds = await session.Query<FeedState>().ToListAsync(ct);
            return Results.Ok(new
            {
                at = now,
                counts = feeds.GroupBy(f => f.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
                feeds = feeds
                    .OrderBy(f => f.Status == "failing" ? 0 : f.Status == "ok" ? 2 : 1)
                    .ThenBy(f => f.Title ?? f.FeedUrl, StringComparer.OrdinalIgnoreCase)
                    .Select(f => new
                    {
                        f.Id, f.FeedUrl, f.Title, f.Status, f.LastAttemptAt, f.LastSuccessAt, f.LastError, f.ConsecutiveFailures,
                        f.NextPollAt, f.ArticlesPublished, f.ChangedAt,
                        Stale = f.NextPollAt is { } next && now - next > OverdueAfter,
                    }),
            });
        });
        return app;
    }

    /// <summary>How long past its next poll a feed may go without news before it is shown as stale.</summary>
    public static readonly TimeSpan OverdueAfter = TimeSpan.FromMinutes(10);
}
