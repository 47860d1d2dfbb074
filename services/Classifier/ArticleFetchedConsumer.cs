using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit;
using Monitoring.Classification;
using Monitoring.Contracts;
using Monitoring.Hosting;

namespace Monitoring.Classifier;

/// <summary>Classifies one fetched article and publishes the result. Stateless: run as many replicas as needed.</summary>
public sealed class ArticleFetchedConsumer(ArticleClassification classification) : IConsumer<ArticleFetched>
{
    public async Task Consume(ConsumeContext<ArticleFetched> context)
    {
        var article = context.Message;
        if (classification.Check(article, ArticleFetchedConsumerDefinition.ErrorQueue) is { } problem)
            throw new InvalidMessageException($"ArticleFetched rejected: {problem}");
        var classified = classification.Classify(article, default);
        await context.Publish(classified.Message);
        classification.Published(classified.Message);
    }
}

/// <summary>
/// Classifies a feed poll's batch of articles and publishes the results as one <see cref="ArticlesClassified"/>. An
/// invalid article goes alone to the <c>_error</c> queue with its reason (the others are classified); an article the
/// classifier fails on goes back alone to <see cref="ArticleFetchedConsumerDefinition.Name"/>, where it is retried like
/// any single message and, failing still, lands in that queue's <c>_error</c> — the rest of its batch is not held up.
/// </summary>
public sealed class ArticlesFetchedConsumer(ArticleClassification classification, ILogger<ArticlesFetchedConsumer> logger)
    : IConsumer<ArticlesFetched>
{
    public async Task Consume(ConsumeContext<ArticlesFetched> context)
    {
        var batch = context.Message;
        if (batch.Articles is null) throw new InvalidMessageException("ArticlesFetched rejected: the message has no articles");
        var results = new List<ArticleClassified>(batch.Articles.Count);
        var traceParents = new List<string?>(batch.Articles.Count);
        List<(ArticleFetched Article, string Problem)>? invalid = null;
        List<ArticleFetched>? failed = null;
        for (var i = 0; i < batch.Articles.Count; i++)
        {
            var article = batch.Articles[i];
            if (classification.Check(article, ArticleFetchedConsumerDefinition.ErrorQueue) is { } problem)
            {
                (invalid ??= []).Add((article, problem));
                continue;
            }
            try
            {
                var (classified, traceParent) = classification.Classify(article, MonitoringTelemetry.ParentFrom(batch.TraceParentOf(i)));
                results.Add(classified);
                traceParents.Add(traceParent);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ClassifierLog.ClassifyFailed(logger, article.ArticleId, ArticleFetchedConsumerDefinition.Name, e);
                (failed ??= []).Add(article);
            }
        }

        foreach (var (article, problem) in invalid ?? [])
            await InvalidMessageException.SendToErrorQueueAsync(context, article, ArticleFetchedConsumerDefinition.ErrorQueue, problem, context.CancellationToken);
        foreach (var article in failed ?? [])
        {
            var retry = await context.GetSendEndpoint(new Uri($"queue:{ArticleFetchedConsumerDefinition.Name}"));
            await retry.Send(article, context.CancellationToken);
        }
        if (results.Count == 0) return;
        await context.Publish(new ArticlesClassified(results, traceParents.Any(t => t is not null) ? traceParents : null));
        foreach (var classified in results) classification.Published(classified);
    }
}

/// <summary>The classification both consumers share: checks, the classifier under a span of the article's trace, and metrics.</summary>
public sealed class ArticleClassification(IArticleClassifier classifier, TimeProvider clock, ILogger<ArticleClassification> logger)
{
    private static readonly Counter<long> Classified =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.classified", description: "Articles classified");
    private static readonly Counter<long> Rejected =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.messages.rejected", description: "Invalid messages moved to an error queue");

    /// <returns>Why the article cannot be classified (logged and counted as rejected to <paramref name="errorQueue"/>), or null.</returns>
    public string? Check(ArticleFetched? article, string errorQueue)
    {
        if (MessageChecks.Problem(article) is not { } problem) return null;
        ClassifierLog.Rejected(logger, article?.ArticleId, problem);
        Rejected.Add(1, new KeyValuePair<string, object?>("queue", errorQueue));
        return problem;
    }

    /// <summary>
    /// Classifies the article under a "classify article" span, a child of <paramref name="parent"/> when given (else of
    /// the current activity). Returns the message to publish and the span's traceparent (null when nobody listens).
    /// </summary>
    public (ArticleClassified Message, string? TraceParent) Classify(ArticleFetched article, ActivityContext parent)
    {
        ClassificationResult result;
        string? traceParent;
        using (var activity = parent == default
                   ? MonitoringTelemetry.Source.StartActivity("classify article")
                   : MonitoringTelemetry.Source.StartActivity("classify article", ActivityKind.Internal, parent))
        {
            result = classifier.Classify(new ArticleText(article.ArticleId, article.Title, article.Text, article.LanguageHint, article.Url));
            activity?.SetTag("article.id", article.ArticleId);
            activity?.SetTag("article.language", result.Language);
            activity?.SetTag("alert.severity", result.Severity.ToId());
            traceParent = activity?.Id;
        }
        var message = new ArticleClassified(
            article, result.Language, result.Countries, result.Topics, result.Severity, result.ClassifierVersion, clock.GetUtcNow());
        // The list of primary countries is only joined when the line is written (Debug is off by default).
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ClassifierLog.Classified(logger, article.ArticleId, result.Language, string.Join(',', result.PrimaryCountries),
                result.Topics.Count, result.Severity.ToId());
        }
        return (message, traceParent);
    }

    /// <summary>Counts a classification once its message is published.</summary>
    public void Published(ArticleClassified classified)
    {
        MonitoringTelemetry.RecordStage(MonitoringTelemetry.Stages.Classified, classified.Article.FetchedAt, classified.ClassifiedAt);
        Classified.Add(1, new KeyValuePair<string, object?>("severity", classified.Severity.ToId()));
    }
}

public sealed class ArticleFetchedConsumerDefinition : ConsumerDefinition<ArticleFetchedConsumer>
{
    public const string Name = "classifier-article-fetched";
    public const string ErrorQueue = Name + "_error";

    public ArticleFetchedConsumerDefinition()
    {
        EndpointName = Name;
    }
}

/// <summary>
/// Batches from the FeedPoller on a queue of their own. A few batches in flight per replica (each up to 100 articles), as
/// many classified at once as there are cores: the work is CPU.
/// </summary>
public sealed class ArticlesFetchedConsumerDefinition : ConsumerDefinition<ArticlesFetchedConsumer>
{
    public const string Name = "classifier-articles-fetched";

    public ArticlesFetchedConsumerDefinition()
    {
        EndpointName = Name;
        ConcurrentMessageLimit = Environment.ProcessorCount;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ArticlesFetchedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = Math.Max(4, Environment.ProcessorCount * 2);
    }
}
