using System.Diagnostics.Metrics;
using MassTransit;
using Monitoring.Classification;
using Monitoring.Contracts;
using Monitoring.Hosting;

namespace Monitoring.Classifier;

/// <summary>Classifies each fetched article and publishes the result. Stateless: run as many replicas as needed.</summary>
public sealed class ArticleFetchedConsumer(IArticleClassifier classifier, TimeProvider clock, ILogger<ArticleFetchedConsumer> logger)
    : IConsumer<ArticleFetched>
{
    private static readonly Counter<long> Classified =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.classified", description: "Articles classified");
    private static readonly Counter<long> Rejected =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.messages.rejected", description: "Invalid messages moved to an error queue");

    public async Task Consume(ConsumeContext<ArticleFetched> context)
    {
        var article = context.Message;
        if (MessageChecks.Problem(article) is { } problem)
        {
            ClassifierLog.Rejected(logger, article?.ArticleId, problem);
            Rejected.Add(1, new KeyValuePair<string, object?>("queue", ArticleFetchedConsumerDefinition.Name + "_error"));
            throw new InvalidMessageException($"ArticleFetched rejected: {problem}");
        }
        ClassificationResult result;
        using (var activity = MonitoringTelemetry.Source.StartActivity("classify article"))
        {
            result = classifier.Classify(new ArticleText(article.ArticleId, article.Title, article.Text, article.LanguageHint, article.Url));
            activity?.SetTag("article.id", article.ArticleId);
            activity?.SetTag("article.language", result.Language);
            activity?.SetTag("alert.severity", result.Severity.ToId());
        }
        var classifiedAt = clock.GetUtcNow();
        await context.Publish(new ArticleClassified(
            article, result.Language, result.Countries, result.Topics, result.Severity, result.ClassifierVersion, classifiedAt));
        MonitoringTelemetry.RecordStage(MonitoringTelemetry.Stages.Classified, article.FetchedAt, classifiedAt);
        Classified.Add(1, new KeyValuePair<string, object?>("severity", result.Severity.ToId()));
        // The list of primary countries is only joined when the line is written (Debug is off by default).
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ClassifierLog.Classified(logger, article.ArticleId, result.Language, string.Join(',', result.PrimaryCountries),
                result.Topics.Count, result.Severity.ToId());
        }
    }
}

public sealed class ArticleFetchedConsumerDefinition : ConsumerDefinition<ArticleFetchedConsumer>
{
    public const string Name = "classifier-article-fetched";

    public ArticleFetchedConsumerDefinition()
    {
        EndpointName = Name;
    }
}
