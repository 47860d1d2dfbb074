using Marten;
using Monitoring.Contracts;
using Npgsql;

namespace Monitoring.Alerts.CountryAlerts;

public sealed record AlertFilter(string? Topic, Severity MinSeverity, DateTimeOffset? Since, DateTimeOffset? Until, int Limit, DateTimeOffset? AsOf);

public sealed record CountrySummary(
    string Code, string Name, int Alerts24h, int Alerts7d, int AlertsTotal, DateTimeOffset? LastAlertAt,
    Severity MaxSeverity24h, IReadOnlyList<string> TopTopics);

public sealed record CountryDetail(
    CountrySummary Summary, IReadOnlyDictionary<string, int> Topics24h, IReadOnlyDictionary<string, int> Topics7d,
    IReadOnlyDictionary<string, int> Severities24h, IReadOnlyDictionary<string, int> Severities7d);

public sealed record TrendDay(DateOnly Day, int Alerts, IReadOnlyDictionary<string, int> Topics, IReadOnlyDictionary<string, int> Severities);

/// <summary>
/// The read side of country alert streams. Current streams and time-window counts come from the
/// projected documents by indexed SQL (country, detection time); <c>asOf</c> answers from each alert's versions.
/// </summary>
public sealed class CountryAlertQueries(IQuerySession session, NpgsqlDataSource database, IDocumentStore store, TimeProvider clock)
{
    private string AlertTable => store.Options.FindOrResolveDocumentType(typeof(CountryAlert)).TableName.QualifiedName;
    private string StatsTable => store.Options.FindOrResolveDocumentType(typeof(CountryDayStats)).TableName.QualifiedName;

    public async Task<IReadOnlyList<AlertView>> AlertsAsync(string country, AlertFilter filter, CancellationToken ct)
    {
        if (filter.AsOf is { } asOf) return await AlertsAsOfAsync(country, filter, asOf, ct);

        IQueryable<CountryAlert> query = session.Query<CountryAlert>().Where(a => a.Country == country && a.Active);
        if (filter.Since is { } since) query = query.Where(a => a.DetectedAt >= since);
        if (filter.Until is { } until) query = query.Where(a => a.DetectedAt <= until);
        if (filter.MinSeverity > Severity.None)
        {
            var floor = (int)filter.MinSeverity;
            query = query.Where(a => a.SeverityLevel >= floor);
        }
        if (filter.Topic is { } topic) query = query.Where(a => a.Topics.Contains(topic));
        var alerts = await query.OrderByDescending(a => a.DetectedAt).Take(filter.Limit).ToListAsync(ct);
        return alerts.Select(a => AlertView.From(a, a.Current)).ToList();
    }

    /// <summary>
    /// The stream as it stood at <paramref name="asOf"/>: alerts detected by then whose version in force then
    /// matches the filter — including alerts withdrawn later, excluding those withdrawn by then.
    /// </summary>
    private async Task<IReadOnlyList<AlertView>> AlertsAsOfAsync(string country, AlertFilter filter, DateTimeOffset asOf, CancellationToken ct)
    {
        var result = new List<AlertView>();
        var pageSize = Math.Max(filter.Limit * 2, 100);
        DateTimeOffset? before = null;
        while (result.Count < filter.Limit)
        {
            IQueryable<CountryAlert> query = session.Query<CountryAlert>().Where(a => a.Country == country && a.DetectedAt <= asOf);
            if (filter.Since is { } since) query = query.Where(a => a.DetectedAt >= since);
            if (filter.Until is { } until) query = query.Where(a => a.DetectedAt <= until);
            if (before is { } b) query = query.Where(a => a.DetectedAt < b);
            var page = await query.OrderByDescending(a => a.DetectedAt).Take(pageSize).ToListAsync(ct);
            foreach (var alert in page)
            {
                if (alert.AsOf(asOf) is not { } version) continue;
                if (version.Severity < filter.MinSeverity) continue;
                if (filter.Topic is { } topic && !version.Topics.Contains(topic)) continue;
                result.Add(AlertView.From(alert, version));
                if (result.Count == filter.Limit) break;
            }
            if (page.Count < pageSize) break;
            before = page[^1].DetectedAt;
        }
        return result;
    }

    public async Task<IReadOnlyList<CountrySummary>> CountriesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var sql = $$"""
            with recent as (
                select country, count(*) filter (where detected_at >= @day) as alerts24h,
                       count(*) as alerts7d,
                       max(severity_level) filter (where detected_at >= @day) as max_severity
                from {{AlertTable}} where active and detected_at >= @week group by country),
            totals as (
                select country, sum((data->>'Alerts')::int)::int as total, max((data->>'LastAlertAt')::timestamptz) as last_alert
                from {{StatsTable}} group by country),
            topics as (
                select country, key as topic, sum(value::int) as n
                from {{StatsTable}}, jsonb_each_text(data->'Topics') where day >= @weekDay group by country, key)
            select t.country, coalesce(r.alerts24h, 0), coalesce(r.alerts7d, 0), t.total, t.last_alert, coalesce(r.max_severity, 0),
                   coalesce((select array_agg(topic order by n desc, topic) from (select topic, n from topics p where p.country = t.country and n > 0 order by n desc, topic limit 3) x), '{}')
            from totals t left join recent r on r.country = t.country
            where t.total > 0
            order by coalesce(r.alerts24h, 0) desc, t.total desc, t.country
            """;
        await using var command = database.CreateCommand(sql);
        command.Parameters.AddWithValue("day", now.AddHours(-24));
        command.Parameters.AddWithValue("week", now.AddDays(-7));
        command.Parameters.AddWithValue("weekDay", new DateTimeOffset(now.UtcDateTime.Date.AddDays(-7), TimeSpan.Zero));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var result = new List<CountrySummary>();
        while (await reader.ReadAsync(ct))
        {
            var code = reader.GetString(0);
            result.Add(new CountrySummary(code, CountryNames.Of(code), (int)reader.GetInt64(1), (int)reader.GetInt64(2),
                reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                (Severity)reader.GetInt32(5), reader.GetFieldValue<string[]>(6)));
        }
        return result;
    }

    public async Task<CountryDetail?> CountryAsync(string country, CancellationToken ct)
    {
        var summary = (await CountriesAsync(ct)).FirstOrDefault(c => c.Code == country);
        if (summary is null) return null;
        var now = clock.GetUtcNow();
        var sql = $"""
            select detected_at >= @day as last_day, severity_level, data->'Topics'
            from {AlertTable} where country = @country and active and detected_at >= @week
            """;
        await using var command = database.CreateCommand(sql);
        command.Parameters.AddWithValue("country", country);
        command.Parameters.AddWithValue("day", now.AddHours(-24));
        command.Parameters.AddWithValue("week", now.AddDays(-7));
        var topics24h = new Dictionary<string, int>();
        var topics7d = new Dictionary<string, int>();
        var severities24h = new Dictionary<string, int>();
        var severities7d = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var lastDay = reader.GetBoolean(0);
            var severity = ((Severity)reader.GetInt32(1)).ToId();
            var topics = System.Text.Json.JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [];
            Increment(severities7d, severity);
            if (lastDay) Increment(severities24h, severity);
            foreach (var topic in topics)
            {
                Increment(topics7d, topic);
                if (lastDay) Increment(topics24h, topic);
            }
        }
        return new CountryDetail(summary, topics24h, topics7d, severities24h, severities7d);
    }

    public async Task<IReadOnlyList<TrendDay>> TrendAsync(string country, int days, CancellationToken ct)
    {
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var first = new DateTimeOffset(today.AddDays(1 - days), TimeSpan.Zero);
        var stats = await session.Query<CountryDayStats>()
            .Where(s => s.Country == country && s.Day >= first)
            .ToListAsync(ct);
        var byDay = stats.ToDictionary(s => DateOnly.FromDateTime(s.Day.UtcDateTime));
        return Enumerable.Range(0, days)
            .Select(i => DateOnly.FromDateTime(first.UtcDateTime.AddDays(i)))
            .Select(day => byDay.TryGetValue(day, out var s)
                ? new TrendDay(day, s.Alerts, s.Topics, s.Severities)
                : new TrendDay(day, 0, new Dictionary<string, int>(), new Dictionary<string, int>()))
            .ToList();
    }

    private static void Increment(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
