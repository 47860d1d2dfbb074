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
    IReadOnlyList<string> WithdrawnFrom, DateTimeOffset RecordedAt)
{
    /// <summary>The alert feed entry for a classification event, or null when it changes no alert.</summary>
    public static AlertItem? From(long position, DateTimeOffset recordedAt, IArticleClassification e)
    {
        var alert = e.Alert();
        var withdrawn = e.WithdrawnCountries();
        if (alert.Countries.Count == 0 && withdrawn.Count == 0) return null;
        return new AlertItem(position, e.ArticleId, e.Title, e.Url, e.Source, e.Language, e.PublishedAt, e.DetectedAt,
            alert.Topics, alert.Severity, e.Countries.Select(c => c.Code).ToList(), alert.Countries, null, e.Revision,
            e.ClassifierVersion, e.Previous.Countries.Count > 0, withdrawn, recordedAt);
    }

    [JsonIgnore]
    public bool IsWithdrawalOnly => Primary.Count == 0;
}

/// <summary>What a subscriber asked for: countries (any of), topics (any of), a severity floor. Empty means all.</summary>
public sealed record AlertSubscriptionFilter(IReadOnlyCollection<string> Countries, IReadOnlyCollection<string> Topics, Severity MinSeverity)
{
    public static readonly AlertSubscriptionFilter All = new([], [], Severity.None);

    public bool Matches(AlertItem item)
    {
        if (Countries.Count > 0 && !item.Primary.Any(Countries.Contains) && !item.WithdrawnFrom.Any(Countries.Contains)) return false;
        if (item.IsWithdrawalOnly) return true;
        if (Topics.Count > 0 && !item.Topics.Any(Topics.Contains)) return false;
        return item.Severity >= MinSeverity;
    }
}
