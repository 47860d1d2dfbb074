using System.Diagnostics;
using JasperFx.Events;
using Marten.Events.Projections;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Hosting;
using Monitoring.Alerts.Stories;
using Severity = Monitoring.Contracts.Severity;

namespace Monitoring.Alerts.CountryAlerts;

/// <summary>
/// One alert in one country's stream: an article whose primary countries include <see cref="Country"/> and
/// that has a security topic. A withdrawn alert (reclassified away) stays, inactive, with its versions, so
/// <c>asOf</c> queries can answer as the stream stood at any time.
/// </summary>
public sealed class CountryAlert
{
    /// <summary><c>{COUNTRY}:{articleId}</c>.</summary>
    public string Id { get; set; } = "";
    public string Country { get; set; } = "";
    public string ArticleId { get; set; } = "";
    public bool Active { get; set; }
    public DateTimeOffset DetectedAt { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
    public int SeverityLevel { get; set; }

    /// <summary>The current version's topics, at the top level so queries can filter on them.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>The story the article belongs to, set when the story assigner placed it (just after the alert).</summary>
    public string? StoryId { get; set; }

    /// <summary>Position in the event store of the event that last changed this alert.</summary>
    public long Position { get; set; }
    public List<CountryAlertVersion> Versions { get; set; } = [];

    public CountryAlertVersion Current => Versions[^1];

    public static string IdFor(string country, string articleId) => country + ":" + articleId;

    /// <summary>The version in force at <paramref name="asOf"/>, or null when the alert did not stand then.</summary>
    public CountryAlertVersion? AsOf(DateTimeOffset asOf)
    {
        var version = Versions.LastOrDefault(v => v.From <= asOf);
        return version is { Withdrawn: false } ? version : null;
    }
}

/// <summary>The alert as one classification left it, from <see cref="From"/> (the event's time in the store).</summary>
public sealed record CountryAlertVersion(
    DateTimeOffset From, bool Withdrawn, int Revision, string Title, string Url, string Source, string Language,
    DateTimeOffset? PublishedAt, IReadOnlyList<string> Topics, Severity Severity, IReadOnlyList<string> Countries,
    IReadOnlyList<string> Primary, string ClassifierVersion);

/// <summary>
/// Keeps one <see cref="CountryAlert"/> per (alerted country, article) on the async daemon. Articles with no
/// security topic (severity none) raise no alert; a reclassification that drops a country withdraws its alert.
/// Story events name each alert's story.
/// </summary>
public sealed class CountryAlertsProjection : MultiStreamProjection<CountryAlert, string>
{
    public CountryAlertsProjection()
    {
        Name = "country-alerts";
        Identities<ArticleClassified>(AffectedAlerts);
        Identities<ArticleReclassified>(AffectedAlerts);
        Identities<StoryStarted>(StoryAlerts);
        Identities<ArticleJoinedStory>(StoryAlerts);
        Identities<ArticleRevisedInStory>(StoryAlerts);
        // Evolve is overridden, so the event types must be named, or the daemon loads every event of the store for it.
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
        IncludeType<StoryStarted>();
        IncludeType<ArticleJoinedStory>();
        IncludeType<ArticleRevisedInStory>();
    }

    private static List<string> StoryAlerts(IStoryMembershipEvent e) =>
        e.ArticleCountries.Select(country => CountryAlert.IdFor(country, e.ArticleId)).ToList();

    private static List<string> AffectedAlerts(IArticleClassification e) =>
        e.Alert().Countries.Union(e.Previous.Countries).Select(country => CountryAlert.IdFor(country, e.ArticleId)).ToList();

    public override CountryAlert? Evolve(CountryAlert? alert, string id, IEvent e)
    {
        if (e.Data is IStoryMembershipEvent membership)
        {
            if (alert is not null) alert.StoryId = membership.StoryId;
            return alert;
        }
        if (e.Data is not IArticleClassification classification) return alert;
        var country = id[..id.IndexOf(':')];
        using var activity = MonitoringTelemetry.Source.StartActivity("project country alert", ActivityKind.Internal,
            MonitoringTelemetry.ParentFrom(AlertFeedReader.TraceParentOf(e)));
        activity?.SetTag("alert.id", id);
        var now = classification.Alert();
        if (now.Countries.Contains(country))
        {
            alert ??= new CountryAlert { Id = id, Country = country, ArticleId = classification.ArticleId, DetectedAt = classification.DetectedAt };
            alert.Active = true;
            alert.WithdrawnAt = null;
            alert.SeverityLevel = (int)classification.Severity;
            alert.Topics = now.Topics.ToList();
            alert.Position = e.Sequence;
            alert.Versions.Add(new CountryAlertVersion(e.Timestamp, false, classification.Revision, classification.Title,
                classification.Url, classification.Source, classification.Language, classification.PublishedAt, now.Topics,
                classification.Severity, classification.Countries.Select(c => c.Code).ToList(), now.Countries,
                classification.ClassifierVersion));
        }
        else if (alert is { Active: true })
        {
            alert.Active = false;
            alert.WithdrawnAt = e.Timestamp;
            alert.Position = e.Sequence;
            alert.Versions.Add(alert.Current with { From = e.Timestamp, Withdrawn = true });
        }
        return alert;
    }
}
