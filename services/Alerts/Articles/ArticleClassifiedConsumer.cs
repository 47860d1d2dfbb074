using MassTransit;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>Records each classified article from the bus in the event store.</summary>
public sealed class ArticleClassifiedConsumer(ArticleRecorder recorder) : IConsumer<Bus.ArticleClassified>
{
    public Task Consume(ConsumeContext<Bus.ArticleClassified> context) =>
        recorder.RecordAsync(context.Message, context.CancellationToken);
}

public sealed class ArticleClassifiedConsumerDefinition : ConsumerDefinition<ArticleClassifiedConsumer>
{
    public ArticleClassifiedConsumerDefinition()
    {
        EndpointName = "alerts-article-classified";
    }
}
