namespace Monitoring.Alerts.Webhooks;

public enum WebhookDeliveryStatus { Pending, Delivered, Dead, Cancelled }

/// <summary>One alert on its way to one webhook, with every attempt logged.</summary>
public sealed class WebhookDelivery
{
    /// <summary><c>{subscriptionId}.{position}</c>, or <c>...r{replay}</c> for a replay: what receivers dedupe on.</summary>
    public string Id { get; set; } = "";
    public string SubscriptionId { get; set; } = "";
    public long Position { get; set; }
    public string ArticleId { get; set; } = "";

    /// <summary>The story, for a per-story subscription's deliveries.</summary>
    public string? StoryId { get; set; }
    public string Event { get; set; } = "alert";
    public bool Replay { get; set; }

    /// <summary>The exact JSON body sent (and signed) on every attempt.</summary>
    public string Payload { get; set; } = "";
    public WebhookDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public List<WebhookAttempt> Log { get; set; } = [];

    /// <summary>The article's trace context, so each attempt is a span of the article's trace.</summary>
    public string? TraceParent { get; set; }
}

public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, string? Error, double DurationMs);
