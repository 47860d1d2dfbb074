using Marten.Schema;
using Monitoring.Contracts;

namespace Monitoring.Alerts.FeedHealth;

/// <summary>
/// The latest health the FeedPoller published for one feed (<see cref="FeedHealthChanged"/>), kept so the dashboard can
/// show every feed at once, also right after this service restarts. A removed feed's state is deleted.
/// </summary>
public sealed class FeedState
{
    /// <summary>The poller's feed id.</summary>
    public string Id { get; set; } = "";
    public string FeedUrl { get; set; } = "";
    public string? Title { get; set; }

    /// <summary>"ok", "failing", "paused" or "pending".</summary>
    public string Status { get; set; } = "";
    public DateTimeOffset? LastAttemptAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public string? LastError { get; set; }
    public int ConsecutiveFailures { get; set; }
    public DateTimeOffset? NextPollAt { get; set; }
    public long ArticlesPublished { get; set; }

    /// <summary>When the poller saw the change: an older message arriving late changes nothing.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>Marten's version: two replicas writing the same feed at once make one of them retry.</summary>
    [Version]
    public Guid Version { get; set; }

    public static FeedState From(FeedHealthChanged message) => new()
    {
        Id = message.FeedId, FeedUrl = message.FeedUrl, Title = message.Title, Status = message.Status,
        LastAttemptAt = message.LastAttemptAt, LastSuccessAt = message.LastSuccessAt, LastError = message.LastError,
        ConsecutiveFailures = message.ConsecutiveFailures, NextPollAt = message.NextPollAt,
        ArticlesPublished = message.ArticlesPublished, ChangedAt = message.ChangedAt,
    };
}
