using System.Text.Json.Serialization;
using Monitoring.Alerts.Articles;
using Monitoring.Contracts;

namespace Monitoring.Alerts.AlertFeed;

/// <summary>
/// One entry of the alert feed every subscriber reads: a classification event that raised, changed or
/// withdrew alerts, at its position in the event store. <see cref="Primary"/> holds the countries it alerts
/// (empty when it only withdraws); <see cref="WithdrawnFrom"/> the countries whose alert it withdraws.
/// </summary>
public sealed record AlertItem(
    long Position, string ArticleId, string Title, string Url, string Source, string Language, DateTimeOffset? PublishedAt,
    DateTimeOffset DetectedAt, IReadOnlyList<string> Topics, Severity Severity, IReadOnlyList<string> Countries,
    IReadOnlyList<string> Primary, string? StoryId, int Revision, string ClassifierVersion, bool Update,
    IReadOnlyList<string> WithdrawnFrom, DateTimeOffset RecordedAt, DateTimeOffset FetchedAt,
    [property: JsonIgnore] string? TraceParent)
{
    /// <summary>The alert feed entry for a classification event, or null when it changes no alert.</summary>
    public static AlertItem? From(long position, DateTimeOffset recordedAt, IArticleClassification e, string? traceParent)
    {
        var alert = e.Alert();
        var withdrawn = e.WithdrawnCountries();
        if (alert.Countries.Count == 0 && withdrawn.Count == 0) return null;
        return new AlertItem(position, e.ArticleId, e.Title, e.Url, e.Source, e.Language, e.PublishedAt, e.DetectedAt,
            alert.Topics, alert.Severity, e.Countries.Select(c => c.Code).ToList(), alert.Countries, null, e.Revision,
            e.ClassifierVersion, e.Previous.Countries.Count > 0, withdrawn, recordedAt, e.FetchedAt, traceParent);
    }

    [JsonIgnore]
    public bool IsWithdrawalOnly => Primary.Count == 0;
}

/// <summary>What a subscriber asked for: countries (any of), topics (any of), a severity floor. Empty means all.</summary>
public sealed record AlertSubscriptionFilter(IReadOnlyCollection<string> Countries, IReadOnlyCollection<string> Topics, Severity MinSeverity)
{
    public static readonly AlertSubscriptionFilter All = new([], [], Severity.None);

    /// <summary>
    /// What this subscriber is told about the entry: <c>alert</c> when it alerts one of its countries with a
    /// wanted topic and severity, <c>withdrawn</c> when it only withdraws one of its countries' alerts, else nothing.
    /// </summary>
    public string? EventFor(AlertItem item)
    {
        var alerts = item.Primary.Count > 0 && (Countries.Count == 0 || item.Primary.Any(Countries.Contains)) &&
                     (Topics.Count == 0 || item.Topics.Any(Topics.Contains)) && item.Severity >= MinSeverity;
        if (alerts) return AlertEvents.Alert;
        var withdraws = item.WithdrawnFrom.Count > 0 && (Countries.Count == 0 ? item.IsWithdrawalOnly : item.WithdrawnFrom.Any(Countries.Contains));
        return withdraws ? AlertEvents.Withdrawn : null;
    }
}

public static class AlertEvents
{
    public const string Alert = "alert";
    public const string Withdrawn = "withdrawn";
}
