using Monitoring.Contracts;

namespace Monitoring.Alerts.CountryAlerts;

/// <summary>An alert as the API, the live stream, webhooks and the exchange show it (DESIGN.md's alert fields).</summary>
public sealed record AlertView(
    string ArticleId, string Title, string Url, string Source, string Language, DateTimeOffset? PublishedAt,
    DateTimeOffset DetectedAt, IReadOnlyList<string> Topics, Severity Severity, IReadOnlyList<string> Countries,
    IReadOnlyList<string> Primary, string? StoryId, int Revision, string ClassifierVersion, long Position)
{
    public static AlertView From(CountryAlert alert, CountryAlertVersion version) => new(
        alert.ArticleId, version.Title, version.Url, version.Source, version.Language, version.PublishedAt,
        alert.DetectedAt, version.Topics, version.Severity, version.Countries, version.Primary, alert.StoryId,
        version.Revision, version.ClassifierVersion, alert.Position);
}
