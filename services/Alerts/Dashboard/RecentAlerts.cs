using Marten;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;
using Npgsql;

namespace Monitoring.Alerts.Dashboard;

public sealed record RecentAlertsFilter(string? Country, string? Topic, Severity MinSeverity, string? Language, int Limit);

/// <summary>
/// The newest alerts, one per article, and the position in the event store they stand at: a client shows them, then
/// follows <c>/api/alerts/stream?after={Position}</c> and misses nothing (an article both listed and streamed is the
/// same alert, newer).
/// </summary>
public sealed record RecentAlertsPage(long Position, IReadOnlyList<AlertView> Alerts);

/// <summary>
/// Reads the newest active alerts across countries from the country alert view. The position is the view's own
/// progress, read before the view: everything up to it is in the answer, anything after comes through the stream.
/// </summary>
public sealed class RecentAlerts(IQuerySession session, NpgsqlDataSource database, IDocumentStore store)
{
    public const int MaxLimit = 500;

    /// <summary>A filter nothing matches reads this many view rows at most before it answers with what it found.</summary>
    public const int MaxRowsRead = 20_000;

    public async Task<RecentAlertsPage> ReadAsync(RecentAlertsFilter filter, CancellationToken ct)
    {
        var position = await ViewPositionAsync(ct);
        var alerts = new List<AlertView>();
        var seen = new HashSet<string>();
        // An article alerting several countries has one view row per country, and the language is not indexed:
        // read pages newest first until enough distinct articles match.
        var pageSize = Math.Max(filter.Limit * 2, 100);
        var offset = 0;
        while (alerts.Count < filter.Limit)
        {
            IQueryable<CountryAlert> query = session.Query<CountryAlert>().Where(a => a.Active);
            if (filter.Country is { } country) query = query.Where(a => a.Country == country);
            if (filter.MinSeverity > Severity.None)
            {
                var floor = (int)filter.MinSeverity;
                query = query.Where(a => a.SeverityLevel >= floor);
            }
            if (filter.Topic is { } topic) query = query.Where(a => a.Topics.Contains(topic));
            var page = await query.OrderByDescending(a => a.DetectedAt).ThenByDescending(a => a.Id).Skip(offset).Take(pageSize).ToListAsync(ct);
            foreach (var alert in page)
            {
                if (!seen.Add(alert.ArticleId)) continue;
                if (filter.Language is { } language && alert.Current.Language != language) continue;
                alerts.Add(AlertView.From(alert, alert.Current));
                if (alerts.Count == filter.Limit) break;
            }
            if (page.Count < pageSize) break;
            offset += pageSize;
            if (offset >= MaxRowsRead) break;
        }
        return new RecentAlertsPage(position, alerts);
    }

    /// <summary>How far the country views have applied the event store (the lowest shard of the composite projection).</summary>
    private async Task<long> ViewPositionAsync(CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            $"select coalesce(min(last_seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_event_progression where name like @name");
        command.Parameters.AddWithValue("name", AlertsModule.CountryViews + "%");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
