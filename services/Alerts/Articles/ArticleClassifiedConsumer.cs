using MassTransit;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>Records classified articles from the bus in the event store, many per transaction.</summary>
public sealed class ArticleClassifiedConsumer(ArticleRecorder recorder) : IConsumer<Batch<Bus.ArticleClassified>>
{
    public Task Consume(ConsumeContext<Batch<Bus.ArticleClassified>> context) =>
        recorder.RecordBatchAsync(context.Message
            .Select(m => new ClassifiedDelivery(m.Message,
                MonitoringTelemetry.ParentFrom(m.Headers.Get<string>(MonitoringTelemetry.MassTransitActivityHeader))))
            .ToList(), context.CancellationToken);
}

/// <summary>
/// Batches of up to 200 messages or 50 ms, whichever comes first: one transaction per batch is what lets
/// the store keep up with thousands of articles a second. A failing batch is retried by the bus's retry
/// policy and then moved to the <c>alerts-article-classified_error</c> queue.
/// </summary>
public sealed class ArticleClassifiedConsumerDefinition : ConsumerDefinition<ArticleClassifiedConsumer>
{
    public const int BatchSize = 200;

    public ArticleClassifiedConsumerDefinition()
    {
        EndpointName = "alerts-article-classified";
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ArticleClassifiedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = BatchSize * 2;
        consumerConfigurator.Options<BatchOptions>(options => options
            .SetMessageLimit(BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(50))
            .SetConcurrencyLimit(2));
    }
}
