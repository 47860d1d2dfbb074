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
        return await AlertView.NameStoriesAsync(session, alerts.Select(a => (a, a.Current)).ToList(), ct);
    }

    /// <summary>
    /// The stream as it stood at <paramref name="asOf"/>: alerts detected by then whose version in force then
    /// matches the filter — including alerts withdrawn later, excluding those withdrawn by then.
    /// </summary>
    private async Task<IReadOnlyList<AlertView>> AlertsAsOfAsync(string country, AlertFilter filter, DateTimeOffset asOf, CancellationToken ct)
    {
        var result = new List<(CountryAlert, CountryAlertVersion)>();
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
                result.Add((alert, version));
                if (result.Count == filter.Limit) break;
            }
            if (page.Count < pageSize) break;
            before = page[^1].DetectedAt;
        }
        return await AlertView.NameStoriesAsync(session, result, ct);
    }

    /// <summary>
    /// Every country with alerts. All-time totals and top topics come from the per-day stats; the rolling 24-hour and
    /// 7-day windows add the stats' whole hours inside the window and count only the alerts of the hour the window
    /// starts in, so the answer costs the same with a million alerts as with a thousand.
    /// </summary>
    public async Task<IReadOnlyList<CountrySummary>> CountriesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var day = new RollingWindow(now.AddHours(-24));
        var week = new RollingWindow(now.AddDays(-7));
        var weekDay = new DateTimeOffset(now.UtcDateTime.Date.AddDays(-7), TimeSpan.Zero);

        var sql = $$"""
            with totals as (
                select country, sum((data->>'Alerts')::int)::int as total, max((data->>'LastAlertAt')::timestamptz) as last_alert
                from {{StatsTable}} group by country),
            topics as (
                select country, key as topic, sum(value::int) as n
                from {{StatsTable}}, jsonb_each_text(data->'Topics') where day >= @weekDay group by country, key)
            select t.country, t.total, t.last_alert,
                   coalesce((select array_agg(topic order by n desc, topic) from (select topic, n from topics p where p.country = t.country and n > 0 order by n desc, topic limit 3) x), '{}')
            from totals t
            where t.total > 0
            """;
        var totals = new List<(string Code, int Total, DateTimeOffset? LastAlertAt, string[] TopTopics)>();
        await using (var command = database.CreateCommand(sql))
        {
            command.Parameters.AddWithValue("weekDay", weekDay);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                totals.Add((reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                    reader.GetFieldValue<string[]>(3)));
        }

        // Whole hours from the stats of the days the week window touches (and any later ones)...
        var stats = await session.Query<CountryDayStats>().Where(s => s.Day >= weekDay).ToListAsync(ct);
        foreach (var dayStats in stats)
        {
            foreach (var (hour, severities) in dayStats.Hours)
            {
                var hourStart = dayStats.Day.AddHours(hour);
                foreach (var (severity, count) in severities)
                {
                    Severities.TryParse(severity, out var level);
                    if (hourStart >= day.WholeHoursFrom) day.Add(dayStats.Country, count, level);
                    if (hourStart >= week.WholeHoursFrom) week.Add(dayStats.Country, count, level);
                }
            }
        }
        // ...and the alerts of the partial hour each window starts in.
        var partial = $"""
            select country, detected_at, severity_level from {AlertTable}
            where active and ((detected_at >= @dayStart and detected_at < @dayHours) or (detected_at >= @weekStart and detected_at < @weekHours))
            """;
        await using (var command = database.CreateCommand(partial))
        {
            command.Parameters.AddWithValue("dayStart", day.Start);
            command.Parameters.AddWithValue("dayHours", day.WholeHoursFrom);
            command.Parameters.AddWithValue("weekStart", week.Start);
            command.Parameters.AddWithValue("weekHours", week.WholeHoursFrom);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var country = reader.GetString(0);
                var detectedAt = reader.GetFieldValue<DateTimeOffset>(1);
                var level = (Severity)reader.GetInt32(2);
                if (day.Contains(detectedAt)) day.Add(country, 1, level);
                if (week.Contains(detectedAt)) week.Add(country, 1, level);
            }
        }

        return totals
            .Select(t => new CountrySummary(t.Code, CountryNames.Of(t.Code), day.Count(t.Code), week.Count(t.Code), t.Total, t.LastAlertAt,
                day.MaxSeverity(t.Code), t.TopTopics))
            .OrderByDescending(c => c.Alerts24h).ThenByDescending(c => c.AlertsTotal).ThenBy(c => c.Code, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Active alerts per country detected at or after <see cref="Start"/>, with their top severity.</summary>
    private sealed class RollingWindow(DateTimeOffset start)
    {
        private readonly Dictionary<string, (int Count, Severity Max)> _countries = [];

        public DateTimeOffset Start { get; } = start;

        /// <summary>The first whole UTC hour in the window: alerts before it are counted one by one.</summary>
        public DateTimeOffset WholeHoursFrom { get; } = CeilingHour(start);

        public bool Contains(DateTimeOffset detectedAt) => detectedAt >= Start && detectedAt < WholeHoursFrom;

        public void Add(string country, int count, Severity severity)
        {
            var (total, max) = _countries.GetValueOrDefault(country);
            _countries[country] = (total + count, count > 0 && severity > max ? severity : max);
        }

        public int Count(string country) => _countries.GetValueOrDefault(country).Count;

        public Severity MaxSeverity(string country) => _countries.GetValueOrDefault(country).Max;

        private static DateTimeOffset CeilingHour(DateTimeOffset time)
        {
            var utc = time.ToUniversalTime();
            var hour = new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
            return hour == utc ? hour : hour.AddHours(1);
        }
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
