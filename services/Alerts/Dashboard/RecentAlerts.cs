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
/// Reads the newest active alerts across countries from the country alert view, every filter in SQL. The position is
/// the view's own progress, read before the view: everything up to it is in the answer, anything after comes through
/// the stream.
/// </summary>
public sealed class RecentAlerts(IQuerySession session, NpgsqlDataSource database, IDocumentStore store)
{
    public const int MaxLimit = 500;

    private string AlertTable => store.Options.FindOrResolveDocumentType(typeof(CountryAlert)).TableName.QualifiedName;

    public async Task<RecentAlertsPage> ReadAsync(RecentAlertsFilter filter, CancellationToken ct)
    {
        var position = await ViewPositionAsync(ct);
        var (where, parameters) = Where(filter);
        var alerts = new List<(CountryAlert, CountryAlertVersion)>();
        var seen = new HashSet<string>();
        // An article alerting several countries has a view row per country: read pages until enough distinct articles.
        var pageSize = Math.Max(filter.Limit * 2, 100);
        for (var offset = 0; alerts.Count < filter.Limit; offset += pageSize)
        {
            var page = await session.QueryAsync<CountryAlert>(
                $"select data from {AlertTable} where {where} order by detected_at desc, id desc limit {pageSize} offset {offset}",
                ct, parameters);
            foreach (var alert in page)
            {
                if (!seen.Add(alert.ArticleId)) continue;
                alerts.Add((alert, alert.Current));
                if (alerts.Count == filter.Limit) break;
            }
            if (page.Count < pageSize) break;
        }
        return new RecentAlertsPage(position, await AlertView.NameStoriesAsync(session, alerts, ct));
    }

    private static (string Where, object[] Parameters) Where(RecentAlertsFilter filter)
    {
        var clauses = new List<string> { "active" };
        var parameters = new List<object>();
        if (filter.Country is { } country)
        {
            clauses.Add("country = ?");
            parameters.Add(country);
        }
        if (filter.MinSeverity > Severity.None)
        {
            clauses.Add("severity_level >= ?");
            parameters.Add((int)filter.MinSeverity);
        }
        if (filter.Topic is { } topic)
        {
            clauses.Add("jsonb_exists(data -> 'Topics', ?)");
            parameters.Add(topic);
        }
        if (filter.Language is { } language)
        {
            // The language of the alert's current version (the article's, unless a revision changed it).
            clauses.Add("data ->> 'Language' = ?");
            parameters.Add(language);
        }
        return (string.Join(" and ", clauses), parameters.ToArray());
    }

    /// <summary>The name of <see cref="CountryAlertsProjection"/>, whose progress the answer stands at.</summary>
    public const string ViewProjection = "country-alerts";

    /// <summary>How far the country alert view has applied the event store (its lowest shard).</summary>
    private async Task<long> ViewPositionAsync(CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            $"select coalesce(min(last_seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_event_progression where name like @name");
        command.Parameters.AddWithValue("name", ViewProjection + ":%");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
