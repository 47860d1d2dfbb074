namespace Monitoring.Classifier;

internal static partial class ClassifierLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug,
        Message = "Classified {ArticleId}: language {Language}, primary {Primary}, {TopicCount} topics, severity {Severity}")]
    public static partial void Classified(ILogger logger, string articleId, string language, string primary, int topicCount, string severity);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning,
        Message = "Rejected article {ArticleId} to the error queue: {Problem}")]
    public static partial void Rejected(ILogger logger, string? articleId, string problem);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error,
        Message = "Classifying article {ArticleId} failed; it goes back alone to {Queue} to be retried")]
    public static partial void ClassifyFailed(ILogger logger, string articleId, string queue, Exception exception);
}
