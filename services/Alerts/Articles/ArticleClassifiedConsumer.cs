using System.Diagnostics.Metrics;
using MassTransit;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Records classified articles from the bus in the event store, many per transaction. An invalid message in a
/// batch does not fail the batch: the valid ones are recorded, and each invalid one is forwarded to the endpoint's
/// <c>_error</c> queue with the reason in its <c>MT-Fault-Message</c> header (where the dashboard shows it).
/// </summary>
public sealed class ArticleClassifiedConsumer(ArticleRecorder recorder, ILogger<ArticleClassifiedConsumer> logger)
    : IConsumer<Batch<Bus.ArticleClassified>>
{
    private static readonly Counter<long> Rejected =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.messages.rejected", description: "Invalid messages moved to an error queue");

    public async Task Consume(ConsumeContext<Batch<Bus.ArticleClassified>> context)
    {
        var valid = new List<ClassifiedDelivery>(context.Message.Length);
        List<(ConsumeContext<Bus.ArticleClassified> Message, string Problem)>? invalid = null;
        foreach (var delivery in context.Message)
        {
            if (Bus.MessageChecks.Problem(delivery.Message) is { } problem) (invalid ??= []).Add((delivery, problem));
            else valid.Add(new ClassifiedDelivery(delivery.Message,
                MonitoringTelemetry.ParentFrom(delivery.Headers.Get<string>(MonitoringTelemetry.MassTransitActivityHeader))));
        }
        if (valid.Count > 0) await recorder.RecordBatchAsync(valid, context.CancellationToken);
        // After the valid ones are safely recorded: a retried batch then forwards an invalid message at most again.
        foreach (var (delivery, problem) in invalid ?? [])
        {
            var queue = ArticleClassifiedConsumerDefinition.ErrorQueue;
            AlertsLog.ClassifiedRejected(logger, delivery.Message?.Article?.ArticleId, queue, problem);
            var endpoint = await delivery.GetSendEndpoint(new Uri($"queue:{queue}"));
            await endpoint.Send(delivery.Message!, send =>
            {
                send.Headers.Set("MT-Reason", "invalid");
                send.Headers.Set("MT-Fault-Message", problem);
                send.Headers.Set("MT-Fault-ExceptionType", typeof(InvalidMessageException).FullName);
                send.Headers.Set("MT-Fault-InputAddress", delivery.ReceiveContext.InputAddress?.ToString());
                send.Headers.Set("MT-Fault-Timestamp", DateTimeOffset.UtcNow.ToString("O"));
            }, context.CancellationToken);
            Rejected.Add(1, new KeyValuePair<string, object?>("queue", queue));
        }
    }
}

/// <summary>
/// Batches of up to 200 messages or 50 ms, whichever comes first: one transaction per batch is what lets
/// the store keep up with thousands of articles a second. A failing batch is retried by the bus's retry
/// policy and then moved to the <c>alerts-article-classified_error</c> queue.
/// </summary>
public sealed class ArticleClassifiedConsumerDefinition : ConsumerDefinition<ArticleClassifiedConsumer>
{
    public const int BatchSize = 200;
    public const string Name = "alerts-article-classified";
    public const string ErrorQueue = Name + "_error";

    public ArticleClassifiedConsumerDefinition()
    {
        EndpointName = Name;
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
