namespace Monitoring.FeedPoller;

internal static partial class FeedPollerLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Polling {FeedUrl} failed ({Failures} in a row, next try {NextPollAt:o}): {Error}")]
    public static partial void PollFailed(ILogger logger, string feedUrl, string error, int failures, DateTimeOffset nextPollAt);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Watching {FeedCount} feeds (feed list {FeedsFile})")]
    public static partial void FeedsLoaded(ILogger logger, int feedCount, string feedsFile);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The feed list {FeedsFile} does not exist; only feeds added through the API are watched")]
    public static partial void FeedListMissing(ILogger logger, string feedsFile);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Polling feed {FeedId} broke off (store or bus failure); retrying later")]
    public static partial void PollCrashed(ILogger logger, string feedId, Exception exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "PostgreSQL is not available yet (attempt {Attempt}): {Error}")]
    public static partial void StoreUnavailable(ILogger logger, int attempt, string error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Pruning old feed history failed: {Error}")]
    public static partial void PruneFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Publishing the health of {FeedUrl} failed: {Error}")]
    public static partial void HealthPublishFailed(ILogger logger, string feedUrl, string error);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Polling as replica {Replica}: feeds are claimed under leases of {Lease}")]
    public static partial void ReplicaStarted(ILogger logger, string replica, TimeSpan lease);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Took over feed {FeedId} ({FeedUrl}): the lease of replica {Replica} on it ran out")]
    public static partial void TookOver(ILogger logger, string feedId, string feedUrl, string replica);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Feed {FeedId} was paused, removed or taken over before its poll: skipped")]
    public static partial void LeaseLost(ILogger logger, string feedId);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Claiming or renewing feed leases failed (retrying): {Error}")]
    public static partial void LeasesUnavailable(ILogger logger, string error);
}
