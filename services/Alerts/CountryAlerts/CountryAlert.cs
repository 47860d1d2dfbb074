using JasperFx.Events;
using Marten.Events.Projections;
using Monitoring.Alerts.Articles;
using Severity = Monitoring.Contracts.Severity;

namespace Monitoring.Alerts.CountryAlerts;

/// <summary>One alert in one country's stream: an article whose primary countries include <see cref="Country"/>.</summary>
public sealed class CountryAlert
{
    /// <summary><c>{COUNTRY}:{articleId}</c>.</summary>
    public string Id { get; set; } = "";
    public string Country { get; set; } = "";
    public string ArticleId { get; set; } = "";
    public int Revision { get; set; }
    public string Title { get; set; } = "";
    public string Url { get; set; } = "";
    public string Source { get; set; } = "";
    public string Language { get; set; } = "";
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset DetectedAt { get; set; }
    public List<string> Topics { get; set; } = [];
    public Severity Severity { get; set; }
    public List<string> Countries { get; set; } = [];
    public List<string> Primary { get; set; } = [];
    public string ClassifierVersion { get; set; } = "";

    public static string IdFor(string country, string articleId) => country + ":" + articleId;
}

/// <summary>
/// Keeps one <see cref="CountryAlert"/> per (primary country, security-relevant article), on the async daemon.
/// Articles the classifier found no security topic in (severity none) are recorded but raise no alert.
/// </summary>
public sealed class CountryAlertsProjection : MultiStreamProjection<CountryAlert, string>
{
    public CountryAlertsProjection()
    {
        Name = "country-alerts";
        Identities<ArticleClassified>(e => e.Severity == Severity.None
            ? []
            : e.PrimaryCountries.Select(country => CountryAlert.IdFor(country, e.ArticleId)).ToList());
    }

    public override CountryAlert? Evolve(CountryAlert? alert, string id, IEvent e)
    {
        if (e.Data is not ArticleClassified classified) return alert;
        alert ??= new CountryAlert { Id = id, Country = id.Split(':')[0], DetectedAt = classified.ClassifiedAt };
        alert.ArticleId = classified.ArticleId;
        alert.Revision = classified.Revision;
        alert.Title = classified.Title;
        alert.Url = classified.Url;
        alert.Source = classified.Source;
        alert.Language = classified.Language;
        alert.PublishedAt = classified.PublishedAt;
        alert.Topics = classified.Topics.Select(t => t.Id).ToList();
        alert.Severity = classified.Severity;
        alert.Countries = classified.Countries.Select(c => c.Code).ToList();
        alert.Primary = classified.PrimaryCountries.ToList();
        alert.ClassifierVersion = classified.ClassifierVersion;
        return alert;
    }
}
