using Monitoring.Alerts.AlertFeed;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Webhooks;

// A webhook subscription is itself an event-sourced stream (stream id = subscription id).

/// <param name="Per"><c>article</c> (one alert per article; also when absent) or <c>story</c> (one per story plus breaking).</param>
public sealed record WebhookSubscriptionCreated(
    string SubscriptionId, string Name, IReadOnlyList<string> Countries, IReadOnlyList<string> Topics, Severity MinSeverity,
    string Url, string Secret, long StartPosition, DateTimeOffset CreatedAt, string? Per = null);

public sealed record WebhookSubscriptionPaused(string SubscriptionId, DateTimeOffset PausedAt);

public sealed record WebhookSubscriptionResumed(string SubscriptionId, DateTimeOffset ResumedAt);

public sealed record WebhookSubscriptionDeleted(string SubscriptionId, DateTimeOffset DeletedAt);

public enum WebhookSubscriptionStatus { Active, Paused, Deleted }

/// <summary>A webhook subscription as it stands (inline snapshot of its stream).</summary>
public sealed class WebhookSubscription
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Countries { get; set; } = [];
    public List<string> Topics { get; set; } = [];
    public Severity MinSeverity { get; set; }
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";

    /// <summary>Alerts after this position in the event store are delivered; earlier ones only by replay.</summary>
    public long StartPosition { get; set; }
    public WebhookSubscriptionStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ChangedAt { get; set; }

    /// <summary><c>article</c> or <c>story</c>.</summary>
    public string Per { get; set; } = PerArticle;

    public const string PerArticle = "article";
    public const string PerStory = "story";

    public AlertSubscriptionFilter Filter => new(Countries, Topics, MinSeverity);

    public static WebhookSubscription Create(WebhookSubscriptionCreated e) => new()
    {
        Id = e.SubscriptionId,
        Name = e.Name,
        Countries = e.Countries.ToList(),
        Topics = e.Topics.ToList(),
        MinSeverity = e.MinSeverity,
        Url = e.Url,
        Secret = e.Secret,
        StartPosition = e.StartPosition,
        Status = WebhookSubscriptionStatus.Active,
        CreatedAt = e.CreatedAt,
        Per = e.Per ?? PerArticle,
    };

    public void Apply(WebhookSubscriptionPaused e) => (Status, ChangedAt) = (WebhookSubscriptionStatus.Paused, e.PausedAt);

    public void Apply(WebhookSubscriptionResumed e) => (Status, ChangedAt) = (WebhookSubscriptionStatus.Active, e.ResumedAt);

    public void Apply(WebhookSubscriptionDeleted e) => (Status, ChangedAt) = (WebhookSubscriptionStatus.Deleted, e.DeletedAt);
}
