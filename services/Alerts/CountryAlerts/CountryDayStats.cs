using JasperFx.Events;
using Marten.Events.Projections;
using Monitoring.Alerts.Articles;
using Monitoring.Contracts;
using ArticleClassified = Monitoring.Alerts.Articles.ArticleClassified;

namespace Monitoring.Alerts.CountryAlerts;

/// <summary>
/// Alerts of one country on one UTC day (the day each alert was first detected), by topic and severity:
/// the data behind trend charts and the 7-day and all-time counts.
/// </summary>
public sealed class CountryDayStats
{
    /// <summary><c>{COUNTRY}:{yyyy-MM-dd}</c>.</summary>
    public string Id { get; set; } = "";
    public string Country { get; set; } = "";

    /// <summary>The UTC day at midnight.</summary>
    public DateTimeOffset Day { get; set; }
    public int Alerts { get; set; }
    public Dictionary<string, int> Topics { get; set; } = [];
    public Dictionary<string, int> Severities { get; set; } = [];
    public DateTimeOffset? LastAlertAt { get; set; }

    /// <summary>
    /// Alerts by UTC hour of detection (0–23), then by severity: rolling 24-hour and 7-day counts and the 24-hour
    /// top severity add whole hours from here and read only the alerts of the partial hour at the window's start.
    /// </summary>
    public Dictionary<int, Dictionary<string, int>> Hours { get; set; } = [];

    public static string IdFor(string country, DateTimeOffset detectedAt) => $"{country}:{detectedAt.UtcDateTime:yyyy-MM-dd}";
}

/// <summary>
/// Counts each alert once, on its detection day: a reclassification takes the previous verdict's topics and
/// severity out and puts the new ones in, so the counts always equal the country's active alerts.
/// </summary>
public sealed class CountryDayStatsProjection : MultiStreamProjection<CountryDayStats, string>
{
    public CountryDayStatsProjection()
    {
        Name = "country-day-stats";
        Identities<ArticleClassified>(Affected);
        Identities<ArticleReclassified>(Affected);
        // Evolve is overridden, so the event types must be named, or the daemon loads every event of the store for it.
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
    }

    private static List<string> Affected(IArticleClassification e) =>
        e.Alert().Countries.Union(e.Previous.Countries).Select(c => CountryDayStats.IdFor(c, e.DetectedAt)).Distinct().ToList();

    public override CountryDayStats? Evolve(CountryDayStats? stats, string id, IEvent e)
    {
        if (e.Data is not IArticleClassification classification) return stats;
        var country = id[..id.IndexOf(':')];
        stats ??= new CountryDayStats
        {
            Id = id,
            Country = country,
            Day = new DateTimeOffset(classification.DetectedAt.UtcDateTime.Date, TimeSpan.Zero),
        };

        var hour = classification.DetectedAt.UtcDateTime.Hour;
        if (classification.Previous.Countries.Contains(country)) Count(stats, hour, classification.Previous, -1);
        var now = classification.Alert();
        if (now.Countries.Contains(country))
        {
            Count(stats, hour, now, +1);
            if (stats.LastAlertAt is null || classification.DetectedAt > stats.LastAlertAt) stats.LastAlertAt = classification.DetectedAt;
        }
        return stats;
    }

    private static void Count(CountryDayStats stats, int hour, AlertState alert, int delta)
    {
        stats.Alerts += delta;
        foreach (var topic in alert.Topics) Add(stats.Topics, topic, delta);
        Add(stats.Severities, alert.Severity.ToId(), delta);
        if (!stats.Hours.TryGetValue(hour, out var severities)) stats.Hours[hour] = severities = [];
        Add(severities, alert.Severity.ToId(), delta);
        if (severities.Count == 0) stats.Hours.Remove(hour);
    }

    private static void Add(Dictionary<string, int> counts, string key, int delta)
    {
        var value = counts.GetValueOrDefault(key) + delta;
        if (value == 0) counts.Remove(key);
        else counts[key] = value;
    }
}
