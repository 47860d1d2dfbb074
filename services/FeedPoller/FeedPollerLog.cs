namespace Monitoring.FeedPoller;

internal static partial class FeedPollerLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Polling {FeedUrl} failed: {Error}")]
    public static partial void PollFailed(ILogger logger, string feedUrl, string error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Watching {FeedCount} feeds from {FeedsFile}")]
    public static partial void FeedsLoaded(ILogger logger, int feedCount, string feedsFile);
}
