using System.Globalization;
using Marten;
using Monitoring.Contracts;

namespace Monitoring.Alerts.CountryAlerts;

public static class CountryAlertsEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static WebApplication MapCountryAlertsApi(this WebApplication app)
    {
        app.MapGet("/api/countries", async (IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var rows = await session.Query<CountryAlert>()
                .Select(a => new { a.Country, a.DetectedAt, a.Severity, a.Topics })
                .ToListAsync(ct);
            return rows
                .GroupBy(r => r.Country)
                .Select(g =>
                {
                    var recent = g.Where(r => r.DetectedAt >= now.AddHours(-24)).ToList();
                    return new
                    {
                        code = g.Key,
                        name = CountryNames.Of(g.Key),
                        alerts24h = recent.Count,
                        alertsTotal = g.Count(),
                        lastAlertAt = g.Max(r => r.DetectedAt),
                        maxSeverity24h = recent.Count == 0 ? Severity.None : recent.Max(r => r.Severity),
                        topTopics = g.SelectMany(r => r.Topics).GroupBy(t => t)
                            .OrderByDescending(t => t.Count()).ThenBy(t => t.Key).Take(3).Select(t => t.Key).ToList(),
                    };
                })
                .OrderByDescending(c => c.alerts24h).ThenBy(c => c.code)
                .ToList();
        });

        app.MapGet("/api/countries/{code}/alerts", async (
            string code, string? topic, string? minSeverity, DateTimeOffset? since, DateTimeOffset? until,
            int? limit, DateTimeOffset? asOf, IQuerySession session, CancellationToken ct) =>
        {
            var country = code.Trim().ToUpperInvariant();
            if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
                return Results.BadRequest(new { error = "country must be an ISO 3166-1 alpha-2 code or EU" });
            var severityFloor = Severity.None;
            if (minSeverity is not null && !Severities.TryParse(minSeverity, out severityFloor))
                return Results.BadRequest(new { error = "minSeverity must be one of none, low, medium, high, critical" });
            if (topic is not null && !Topics.All.Contains(topic))
                return Results.BadRequest(new { error = $"unknown topic '{topic}'" });
            var take = Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);

            IQueryable<CountryAlert> query = session.Query<CountryAlert>().Where(a => a.Country == country);
            if (since is not null) query = query.Where(a => a.DetectedAt >= since.Value);
            if (until is not null) query = query.Where(a => a.DetectedAt <= until.Value);
            if (asOf is not null) query = query.Where(a => a.DetectedAt <= asOf.Value);
            if (severityFloor > Severity.None) query = query.Where(a => a.Severity >= severityFloor);
            if (topic is not null) query = query.Where(a => a.Topics.Contains(topic));
            var alerts = await query.OrderByDescending(a => a.DetectedAt).Take(take).ToListAsync(ct);

            return Results.Ok(new
            {
                country,
                alerts = alerts.Select(a => new
                {
                    articleId = a.ArticleId,
                    title = a.Title,
                    url = a.Url,
                    source = a.Source,
                    language = a.Language,
                    publishedAt = a.PublishedAt,
                    detectedAt = a.DetectedAt,
                    topics = a.Topics,
                    severity = a.Severity,
                    countries = a.Countries,
                    primary = a.Primary,
                }),
            });
        });
        return app;
    }
}

/// <summary>English country names from the platform's ISO 3166 data, plus EU.</summary>
public static class CountryNames
{
    public static string Of(string code)
    {
        if (code == "EU") return "European Union";
        try
        {
            return new RegionInfo(code).EnglishName;
        }
        catch (ArgumentException)
        {
            return code;
        }
    }
}
