using System.Globalization;
using Monitoring.Contracts;

namespace Monitoring.Alerts.CountryAlerts;

public static class CountryAlertsEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static WebApplication MapCountryAlertsApi(this WebApplication app)
    {
        app.MapGet("/api/countries", async (CountryAlertQueries queries, CancellationToken ct) =>
            Results.Ok(await queries.CountriesAsync(ct)));

        app.MapGet("/api/countries/{code}", async (string code, CountryAlertQueries queries, CancellationToken ct) =>
        {
            if (ParseCountry(code) is not { } country) return BadCountry();
            return await queries.CountryAsync(country, ct) is { } detail
                ? Results.Ok(new
                {
                    detail.Summary.Code, detail.Summary.Name, detail.Summary.Alerts24h, detail.Summary.Alerts7d,
                    detail.Summary.AlertsTotal, detail.Summary.LastAlertAt, detail.Summary.MaxSeverity24h, detail.Summary.TopTopics,
                    detail.Topics24h, detail.Topics7d, detail.Severities24h, detail.Severities7d,
                })
                : Results.NotFound(new { error = $"no alerts for {country}" });
        });

        app.MapGet("/api/countries/{code}/alerts", async (
            string code, string? topic, string? minSeverity, DateTimeOffset? since, DateTimeOffset? until,
            int? limit, DateTimeOffset? asOf, CountryAlertQueries queries, CancellationToken ct) =>
        {
            if (ParseCountry(code) is not { } country) return BadCountry();
            if (ParseFilter(topic, minSeverity) is { } error) return error;
            Severities.TryParse(minSeverity ?? "none", out var floor);
            var filter = new AlertFilter(topic, floor, since, until, Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit), asOf);
            return Results.Ok(new { country, alerts = await queries.AlertsAsync(country, filter, ct) });
        });

        app.MapGet("/api/countries/{code}/trend", async (string code, int? days, CountryAlertQueries queries, CancellationToken ct) =>
        {
            if (ParseCountry(code) is not { } country) return BadCountry();
            var span = Math.Clamp(days ?? 30, 1, 366);
            return Results.Ok(new { country, days = await queries.TrendAsync(country, span, ct) });
        });
        return app;
    }

    /// <summary>Upper-case ISO 3166-1 alpha-2 (or EU), or null.</summary>
    public static string? ParseCountry(string? code)
    {
        var country = code?.Trim().ToUpperInvariant();
        return country is { Length: 2 } && country.All(char.IsAsciiLetterUpper) ? country : null;
    }

    /// <summary>A 400 answer for an unknown topic or severity, or null when both are fine.</summary>
    public static IResult? ParseFilter(string? topic, string? minSeverity)
    {
        if (minSeverity is not null && !Severities.TryParse(minSeverity, out _))
            return Results.BadRequest(new { error = "minSeverity must be one of none, low, medium, high, critical" });
        if (topic is not null && !Topics.All.Contains(topic))
            return Results.BadRequest(new { error = $"unknown topic '{topic}'; topics are {string.Join(", ", Topics.All)}" });
        return null;
    }

    private static IResult BadCountry() => Results.BadRequest(new { error = "country must be an ISO 3166-1 alpha-2 code or EU" });
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
