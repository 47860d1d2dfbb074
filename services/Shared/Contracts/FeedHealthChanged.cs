namespace Monitoring.Contracts;

/// <summary>
/// Published by the FeedPoller whenever a feed's health or schedule changes: after every poll, and when a feed is
/// added, paused, resumed or removed. Carries the whole current state, so a consumer (the dashboard) keeps the latest
/// message per <see cref="FeedId"/> and needs nothing else; messages for one feed are published in order.
/// </summary>
/// <param name="Status">"ok" (last poll succeeded), "failing" (the last polls failed), "paused", "pending" (not polled yet) or "removed".</param>
/// <param name="ConsecutiveFailures">Failed polls since the last success.</param>
/// <param name="NextPollAt">When the poller will poll it next; null when paused or removed.</param>
public sealed record FeedHealthChanged(
    string FeedId,
    string FeedUrl,
    string? Title,
    string Status,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? LastSuccessAt,
    string? LastError,
    int ConsecutiveFailures,
    DateTimeOffset? NextPollAt,
    long ArticlesPublished,
    DateTimeOffset ChangedAt);
