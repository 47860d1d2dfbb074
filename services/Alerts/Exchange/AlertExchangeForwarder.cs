using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Stories;

namespace Monitoring.Alerts.Exchange;

/// <summary>
/// Forwards every alert to the <c>monitoring.alerts</c> exchange, as a Marten subscription on the async daemon:
/// the daemon records progress only after a page returns, and a page returns only once the broker has
/// confirmed every message of it. So nothing is lost across crashes and restarts; a crash between the
/// confirms and the progress commit republishes that page under the same message ids (at least once).
/// While the broker is down the page is retried with backoff and the subscription waits, in order. Each alert
/// names its story: the page waits for the story assigner to pass it (unless the assigner stalls).
/// </summary>
public sealed class AlertExchangeForwarder : SubscriptionBase
{
    private readonly AlertExchange _exchange;
    private readonly StoryProgress _stories;
    private readonly StoryLinks _links;
    private readonly ILogger<AlertExchangeForwarder> _logger;

    public AlertExchangeForwarder(AlertExchange exchange, StoryProgress stories, StoryLinks links, ILogger<AlertExchangeForwarder> logger)
    {
        _exchange = exchange;
        _stories = stories;
        _links = links;
        _logger = logger;
        Name = "alert-exchange";
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        IReadOnlyList<AlertItem> items = page.Events.Select(AlertFeedReader.ToItem).OfType<AlertItem>().ToList();
        if (items.Count > 0)
        {
            await _stories.WaitForAsync(items[^1].Position, cancellationToken);
            items = await _links.NameStoriesAsync(items, cancellationToken);
        }
        var messages = items.SelectMany(item => AlertExchange.MessagesFor(item)).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _exchange.PublishAsync(messages, cancellationToken);
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
