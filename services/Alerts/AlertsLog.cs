namespace Monitoring.Alerts;

internal static partial class AlertsLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Article {ArticleId} revision {Revision} already recorded; nothing appended")]
    public static partial void DuplicateIgnored(ILogger logger, string articleId, int revision);
}
