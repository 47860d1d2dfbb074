using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Records single classified articles from the bus in the event store, many per transaction (see
/// <see cref="ClassifiedIntake"/>). The Classifier publishes batches (<see cref="ArticlesClassifiedConsumer"/>); single
/// messages come from its retry path, from older Classifiers and from anyone else who publishes one.
/// </summary>
public sealed class ArticleClassifiedConsumer(ArticleRecorder recorder, IngestionGate gate, ILogger<ArticleClassifiedConsumer> logger)
    : IConsumer<Batch<Bus.ArticleClassified>>
{
    public Task Consume(ConsumeContext<Batch<Bus.ArticleClassified>> context) =>
        ClassifiedIntake.RecordAsync(recorder, gate, logger, context.Message.Select(delivery => new ClassifiedIntake.Item(delivery.Message,
            MonitoringTelemetry.ParentFrom(delivery.Headers.Get<string>(MonitoringTelemetry.MassTransitActivityHeader)), delivery)).ToList(),
            context.CancellationToken);
}

/// <summary>Records the Classifier's batches, several batches per transaction; each article continues its own trace.</summary>
public sealed class ArticlesClassifiedConsumer(ArticleRecorder recorder, IngestionGate gate, ILogger<ArticlesClassifiedConsumer> logger)
    : IConsumer<Batch<Bus.ArticlesClassified>>
{
    public Task Consume(ConsumeContext<Batch<Bus.ArticlesClassified>> context)
    {
        var items = new List<ClassifiedIntake.Item>();
        foreach (var delivery in context.Message)
        {
            var batch = delivery.Message;
            if (batch.Articles is null) continue;
            for (var i = 0; i < batch.Articles.Count; i++)
                items.Add(new ClassifiedIntake.Item(batch.Articles[i], MonitoringTelemetry.ParentFrom(batch.TraceParentOf(i)), delivery));
        }
        return ClassifiedIntake.RecordAsync(recorder, gate, logger, items, context.CancellationToken);
    }
}

/// <summary>
/// An invalid article does not fail the others: the valid ones are recorded, and each invalid one is forwarded alone to
/// <see cref="ArticleClassifiedConsumerDefinition.ErrorQueue"/> with the reason in its <c>MT-Fault-Message</c> header
/// (where the dashboard shows it). Before recording, the <see cref="IngestionGate"/> may hold the batch while the alert
/// forwarder is far behind.
/// </summary>
public static class ClassifiedIntake
{
    /// <summary>A classified article off the bus, the trace it continues, and the delivery it came in.</summary>
    public readonly record struct Item(Bus.ArticleClassified? Message, ActivityContext Trace, ConsumeContext From);

    private static readonly Counter<long> Rejected =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.messages.rejected", description: "Invalid messages moved to an error queue");

    /// <summary>Up to <paramref name="size"/> messages or 50 ms per batch, two batches at once, twice the batch prefetched.</summary>
    public static void Batches<T>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<T> consumer, int size) where T : class
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = size * 2;
        consumer.Options<BatchOptions>(options => options
            .SetMessageLimit(size)
            .SetTimeLimit(TimeSpan.FromMilliseconds(50))
            .SetConcurrencyLimit(2));
    }

    private static readonly Counter<long> Held =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.ingest.held", description: "Batches held back while the alert forwarder was far behind");

    public static async Task RecordAsync(ArticleRecorder recorder, IngestionGate gate, ILogger logger, IReadOnlyList<Item> items, CancellationToken ct)
    {
        if (await gate.WaitAsync(ct)) Held.Add(1);
        var valid = new List<ClassifiedDelivery>(items.Count);
        List<(Item Item, string Problem)>? invalid = null;
        foreach (var item in items)
        {
            if (Bus.MessageChecks.Problem(item.Message) is { } problem) (invalid ??= []).Add((item, problem));
            else valid.Add(new ClassifiedDelivery(item.Message!, item.Trace));
        }
        if (valid.Count > 0) await recorder.RecordBatchAsync(valid, ct);
        // After the valid ones are safely recorded: a retried batch then forwards an invalid message at most again.
        foreach (var (item, problem) in invalid ?? [])
        {
            var queue = ArticleClassifiedConsumerDefinition.ErrorQueue;
            AlertsLog.ClassifiedRejected(logger, item.Message?.Article?.ArticleId, queue, problem);
            await InvalidMessageException.SendToErrorQueueAsync(item.From, item.Message!, queue, problem, ct);
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
        IConsumerConfigurator<ArticleClassifiedConsumer> consumerConfigurator, IRegistrationContext context) =>
        ClassifiedIntake.Batches(endpointConfigurator, consumerConfigurator, BatchSize);
}

/// <summary>
/// Up to 20 of the Classifier's batches (a few hundred articles) or 50 ms per transaction, two transactions at once. A
/// failing set is retried by the bus's retry policy and then moved to the <c>alerts-articles-classified_error</c> queue.
/// </summary>
public sealed class ArticlesClassifiedConsumerDefinition : ConsumerDefinition<ArticlesClassifiedConsumer>
{
    public const int BatchSize = 20;
    public const string Name = "alerts-articles-classified";

    public ArticlesClassifiedConsumerDefinition()
    {
        EndpointName = Name;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ArticlesClassifiedConsumer> consumerConfigurator, IRegistrationContext context) =>
        ClassifiedIntake.Batches(endpointConfigurator, consumerConfigurator, BatchSize);
}
