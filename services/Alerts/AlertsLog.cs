namespace Monitoring.Alerts;

internal static partial class AlertsLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Article {ArticleId} revision {Revision} already recorded; nothing appended")]
    public static partial void DuplicateIgnored(ILogger logger, string articleId, int revision);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "A batch of {Count} articles met a conflict ({Kind}, attempt {Attempt}); deciding again")]
    public static partial void RecordingConflict(ILogger logger, int count, string kind, int attempt);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Taking the pipeline health snapshot failed")]
    public static partial void PipelineHealthFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Reading the alert feed failed; retrying")]
    public static partial void AlertTailFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Publishing alerts {From}..{To} to the exchange failed (attempt {Attempt}); retrying in {Delay}")]
    public static partial void ExchangePublishFailed(ILogger logger, long from, long to, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} to subscription {SubscriptionId}: {Outcome} (attempt {Attempt}, status {StatusCode})")]
    public static partial void WebhookAttempt(ILogger logger, string deliveryId, string subscriptionId, string outcome, int attempt, int? statusCode);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} dead-lettered after {Attempts} attempts: {Error}")]
    public static partial void WebhookDeadLettered(ILogger logger, string deliveryId, int attempts, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Webhook sender loop failed; retrying")]
    public static partial void WebhookSenderFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Reclassify: {Examined} articles examined, {Changed} reclassified, {Conflicts} retried after concurrent changes, classifier {Version}")]
    public static partial void Reclassified(ILogger logger, int examined, int changed, int conflicts, string version);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Story assignment failed; reloading the assigner's memory from the store and retrying")]
    public static partial void StoryAssignerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Stories: events {From}..{To} ({Events} read) assigned, {Recorded} story events, {Milliseconds:0.0} ms " +
                                                                  "(read and fingerprinted in {ReadMilliseconds:0.0} ms, assigned in {AssignMilliseconds:0.0}, written in {WriteMilliseconds:0.0}); " +
                                                                  "the newest event was recorded {NewestAgeMilliseconds:0} ms before it was read")]
    public static partial void StoryPageAssigned(ILogger logger, long from, long to, int events, int recorded, double milliseconds,
        double readMilliseconds, double assignMilliseconds, double writeMilliseconds, double newestAgeMilliseconds);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Debug, Message = "Exchange: events {From}..{To} (read ahead to {ReadUpTo}), {Alerts} alerts recorded {OldestMilliseconds:0} to {NewestMilliseconds:0} ms before they were confirmed; " +
                                                                  "waited {StoryWaitMilliseconds:0.0} ms for stories, named them in {LinksMilliseconds:0.0}, published in {PublishMilliseconds:0.0}")]
    public static partial void ExchangePageForwarded(ILogger logger, long from, long to, long readUpTo, int alerts, double oldestMilliseconds, double newestMilliseconds,
        double storyWaitMilliseconds, double linksMilliseconds, double publishMilliseconds);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Story assigner loaded at position {Position}: {OpenStories} open stories, {Cells} baseline cells")]
    public static partial void StoryAssignerLoaded(ILogger logger, long position, int openStories, int cells);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Article {ArticleId} at {Position} has no text event; assigning it on its title")]
    public static partial void StoryTextMissing(ILogger logger, string articleId, long position);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "The story assigner is at {Assigned} while alerts up to {Released} waited {Wait} for it: alerts go out without their story until it catches up")]
    public static partial void StoryAssignerBehind(ILogger logger, long assigned, long released, TimeSpan wait);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Feed health of {FeedId} changed at {ChangedAt} arrived after the state of {CurrentChangedAt}; ignored")]
    public static partial void StaleFeedHealthIgnored(ILogger logger, string feedId, DateTimeOffset changedAt, DateTimeOffset currentChangedAt);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Rejected classified article {ArticleId} to {Queue}: {Problem}")]
    public static partial void ClassifiedRejected(ILogger logger, string? articleId, string queue, string problem);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Event data in schema {Schema} is now compressed with lz4 (events written from now on)")]
    public static partial void EventDataCompressionSet(ILogger logger, string schema);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Event data keeps PostgreSQL's default compression (pglz): {Reason}")]
    public static partial void EventDataCompressionKept(ILogger logger, string reason);
}
