using System.Text.Json;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Monitoring.Alerts.Exchange;
using Monitoring.Contracts;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// Forwards stories to the <c>monitoring.stories</c> topic exchange with the same guarantees as the alert forwarder
/// (a Marten subscription: progress recorded only after the broker confirmed the page; at least once, stable ids).
/// Routing keys are those of <c>monitoring.alerts</c>, <c>{COUNTRY}.{topic}.{severity}</c>: a story is published once
/// under each key when it first reaches that key (so <c>JP.#</c> gets one message per story, and again only if the
/// story's severity rises), and under every key of the story when it turns breaking.
/// </summary>
public sealed class StoryExchangeForwarder : SubscriptionBase
{
    private readonly AlertExchange _exchange;
    private readonly ILogger<StoryExchangeForwarder> _logger;

    public StoryExchangeForwarder(AlertExchange exchange, ILogger<StoryExchangeForwarder> logger)
    {
        _exchange = exchange;
        _logger = logger;
        Name = "story-exchange";
        foreach (var type in StoryItem.EventTypes) IncludeType(type);
        Options.BatchSize = 500;
    }

    /// <summary>
    /// The messages a story feed entry becomes, message id <c>{position}.{COUNTRY}.{topic}</c>, AMQP type
    /// <c>story</c> or <c>breaking</c>.
    /// </summary>
    public static IEnumerable<ExchangeMessage> MessagesFor(StoryItem item)
    {
        var now = item.Story.Alert;
        foreach (var country in now.Countries)
        foreach (var topic in now.Topics)
        {
            var known = item.Previous.Countries.Contains(country) && item.Previous.Topics.Contains(topic) && item.Previous.Severity >= now.Severity;
            var eventType = item.IsBreaking ? StoryEvents.Breaking : known ? null : StoryEvents.Story;
            if (eventType is null) continue;
            var body = JsonSerializer.SerializeToUtf8Bytes(item.Body(eventType), MonitoringJson.Options);
            yield return new ExchangeMessage($"{item.Position}.{country}.{topic}", $"{country}.{topic}.{now.Severity.ToId()}", body,
                item.Position, false, eventType);
        }
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var messages = page.Events.Select(StoryItem.From).OfType<StoryItem>().SelectMany(MessagesFor).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _exchange.PublishAsync(AlertExchange.StoriesName, messages, cancellationToken);
                return NullChangeListener.Instance;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * Math.Pow(2, Math.Min(attempt, 6))));
                AlertsLog.ExchangePublishFailed(_logger, page.SequenceFloor, page.SequenceCeiling, attempt, delay, e);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }
}
