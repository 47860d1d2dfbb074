using Marten;
using Monitoring.Alerts.Stories;
using Monitoring.Contracts;

namespace Monitoring.Alerts.CountryAlerts;

/// <summary>An alert as the API, the live stream, webhooks and the exchange show it (DESIGN.md's alert fields).</summary>
public sealed record AlertView(
    string ArticleId, string Title, string Url, string Source, string Language, DateTimeOffset? PublishedAt,
    DateTimeOffset DetectedAt, IReadOnlyList<string> Topics, Severity Severity, IReadOnlyList<string> Countries,
    IReadOnlyList<string> Primary, string? StoryId, int Revision, string ClassifierVersion, long Position)
{
    public static AlertView From(CountryAlert alert, CountryAlertVersion version, string? storyId) => new(
        alert.ArticleId, version.Title, version.Url, version.Source, version.Language, version.PublishedAt,
        alert.DetectedAt, version.Topics, version.Severity, version.Countries, version.Primary, storyId,
        version.Revision, version.ClassifierVersion, alert.Position);

    /// <summary>
    /// The views of <paramref name="alerts"/>, each named with its article's story from the story assigner's
    /// memberships (the alert documents do not carry it: story events would touch every alert a second time) once
    /// that story is in the story view, so that every story id an alert names can be opened at <c>/api/stories/{id}</c>.
    /// </summary>
    public static async Task<IReadOnlyList<AlertView>> NameStoriesAsync(
        IQuerySession session, IReadOnlyList<(CountryAlert Alert, CountryAlertVersion Version)> alerts, CancellationToken ct)
    {
        if (alerts.Count == 0) return [];
        var stories = await StoryLinks.StoriesOfAsync(session, alerts.Select(a => a.Alert.ArticleId), inStoryViewOnly: true, ct);
        return alerts.Select(a => From(a.Alert, a.Version, stories.GetValueOrDefault(a.Alert.ArticleId))).ToList();
    }
}
