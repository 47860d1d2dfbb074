using System.Diagnostics;
using System.Diagnostics.Metrics;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Pipeline;
using Monitoring.Alerts.Stories;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Exchange;

/// <summary>
/// Forwards every alert to the <c>monitoring.alerts</c> exchange, as a Marten subscription on the async daemon:
/// the daemon records progress only after a page returns, and a page returns only once the broker has
/// confirmed every message of it. So nothing is lost across crashes and restarts; a crash between the
/// confirms and the progress commit republishes that page under the same message ids (at least once).
/// While the broker is down the page is retried with backoff and the subscription waits, in order. Each alert
/// names its story: the page waits for the story assigner to pass it, at most <see cref="StoryOptions.AlertWait"/>.
/// </summary>
public sealed class AlertExchangeForwarder : SubscriptionBase
{
    private static readonly Counter<long> AlertsPublished =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.alerts.published", description: "Alerts published to the monitoring.alerts exchange");

    private readonly AlertExchange _exchange;
    private readonly AlertLatencies _latencies;
    private readonly StoryProgress _stories;
    private readonly StoryLinks _links;
    private readonly ILogger<AlertExchangeForwarder> _logger;

    public AlertExchangeForwarder(AlertExchange exchange, AlertLatencies latencies, StoryProgress stories, StoryLinks links,
        ILogger<AlertExchangeForwarder> logger)
    {
        _exchange = exchange;
        _latencies = latencies;
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
        var started = DateTimeOffset.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _exchange.PublishAsync(messages, cancellationToken);
                var now = DateTimeOffset.UtcNow;
                foreach (var item in items.Where(i => i.Primary.Count > 0))
                {
                    // One span per alert, under the article's trace, covering its page's publish and confirms.
                    using var activity = MonitoringTelemetry.Source.StartActivity("publish alert", ActivityKind.Producer,
                        MonitoringTelemetry.ParentFrom(item.TraceParent), startTime: started);
                    activity?.SetTag("article.id", item.ArticleId);
                    activity?.SetTag("alert.position", item.Position);
                    activity?.SetTag("alert.countries", string.Join(',', item.Primary));
                    MonitoringTelemetry.RecordStage(MonitoringTelemetry.Stages.Alerted, item.FetchedAt, now);
                    _latencies.Add(now, (now - item.FetchedAt).TotalMilliseconds);
                }
                AlertsPublished.Add(items.Count(i => i.Primary.Count > 0));
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
