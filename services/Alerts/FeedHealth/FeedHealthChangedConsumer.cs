using Marten;
using MassTransit;
using Monitoring.Contracts;

namespace Monitoring.Alerts.FeedHealth;

/// <summary>Keeps the latest <see cref="FeedState"/> per feed from the poller's <see cref="FeedHealthChanged"/> messages.</summary>
public sealed class FeedHealthChangedConsumer(IDocumentSession session, ILogger<FeedHealthChangedConsumer> logger) : IConsumer<FeedHealthChanged>
{
    public const string Removed = "removed";

    public async Task Consume(ConsumeContext<FeedHealthChanged> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.FeedId) || string.IsNullOrWhiteSpace(message.Status))
            throw new ArgumentException($"feed health without a feed id or status: {message}");
        var current = await session.LoadAsync<FeedState>(message.FeedId, context.CancellationToken);
        if (current is not null && current.ChangedAt > message.ChangedAt)
        {
            AlertsLog.StaleFeedHealthIgnored(logger, message.FeedId, message.ChangedAt, current.ChangedAt);
            return;
        }
        if (message.Status == Removed)
        {
            if (current is not null) session.Delete(current);
        }
        else
        {
            var state = FeedState.From(message);
            if (current is not null) state.Version = current.Version;
            session.Store(state);
        }
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>
/// One message at a time: the poller publishes a feed's changes in order and this keeps them in order. A message that
/// fails (bad data, a concurrent write by another replica) is retried by the bus, then moved to
/// <c>alerts-feed-health_error</c>.
/// </summary>
public sealed class FeedHealthChangedConsumerDefinition : ConsumerDefinition<FeedHealthChangedConsumer>
{
    public FeedHealthChangedConsumerDefinition()
    {
        EndpointName = "alerts-feed-health";
        ConcurrentMessageLimit = 1;
    }
}
