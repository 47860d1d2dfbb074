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
/// confirms and the progress commit republishes under the same message ids (at least once).
/// While the broker is down the page is retried with backoff and the subscription waits, in order. Each alert
/// names its story: the page waits for the story assigner to pass it, at most <see cref="StoryOptions.AlertWait"/>.
/// </summary>
/// <remarks>
/// Reads ahead: the daemon hands a subscription one page per high-water step, often a handful of events, and each page
/// costs a round of broker confirms and a progress commit. Under a steady stream those fixed costs queued pages up
/// behind each other (seconds of lag at 200 articles/s). So a page also forwards what lies beyond it, up to the
/// position every alert reader may safely reach (<see cref="AlertFeedReader.SafePositionAsync"/>), and later pages
/// the read-ahead already covered return at once. Nothing changes for delivery: every alert is confirmed before the
/// progress of its page is committed, and a crash in between republishes it under its message id.
/// </remarks>
public sealed class AlertExchangeForwarder : SubscriptionBase
{
    /// <summary>Events (of any type) read beyond a page at most, per page.</summary>
    public const int ReadAhead = 4 * AlertFeedReader.PageSize;

    private static readonly Counter<long> AlertsPublished =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.alerts.published", description: "Alerts published to the monitoring.alerts exchange");

    private readonly AlertExchange _exchange;
    private readonly AlertLatencies _latencies;
    private readonly StoryProgress _stories;
    private readonly StoryLinks _links;
    private readonly IServiceProvider _services;
    private readonly ILogger<AlertExchangeForwarder> _logger;
    // This process confirmed every alert up to here (pages are handed over in order, one at a time).
    private long _forwardedUpTo;
    private long _lastCeiling;

    public AlertExchangeForwarder(AlertExchange exchange, AlertLatencies latencies, StoryProgress stories, StoryLinks links,
        IServiceProvider services, ILogger<AlertExchangeForwarder> logger)
    {
        _exchange = exchange;
        _latencies = latencies;
        _stories = stories;
        _links = links;
        _services = services;
        _logger = logger;
        Name = "alert-exchange";
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
        Options.BatchSize = 500;
    }

    // Resolved on first use: the reader needs the store, which is built with this subscription.
    private AlertFeedReader Feed => field ??= _services.GetRequiredService<AlertFeedReader>();

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        // A page below the last one: the subscription was rewound or restarted here; forget what was read ahead.
        if (page.SequenceFloor < _lastCeiling) _forwardedUpTo = Math.Min(_forwardedUpTo, page.SequenceFloor);
        _lastCeiling = page.SequenceCeiling;
        if (page.SequenceCeiling <= _forwardedUpTo) return NullChangeListener.Instance;

        var arrived = Stopwatch.GetTimestamp();
        var after = Math.Max(_forwardedUpTo, page.SequenceFloor);
        IReadOnlyList<AlertItem> items = page.Events.Where(e => e.Sequence > after).Select(AlertFeedReader.ToItem).OfType<AlertItem>().ToList();
        TimeSpan storyWait = default, links = default;
        if (items.Count > 0)
        {
            await _stories.WaitForAsync(items[^1].Position, cancellationToken);
            storyWait = Stopwatch.GetElapsedTime(arrived);
            items = await _links.NameStoriesAsync(items, cancellationToken);
            links = Stopwatch.GetElapsedTime(arrived) - storyWait;
        }
        // Read ahead to where every alert reader may go now, in chunks of at most ReadAhead events; each chunk is read while
        // the one before is published and confirmed (in order: a chunk is published only once the one before is confirmed).
        // The whole way, not one chunk per page: while the story assigner is behind, each page waits for it (up to the
        // wait), and one chunk per wait capped the forwarder at about ReadAhead + BatchSize events a second (~900
        // articles/s) however far behind it fell.
        var safe = Math.Min(await Feed.SafePositionAsync(cancellationToken), page.SequenceCeiling + MaxReadAheadPerPage);
        var upTo = page.SequenceCeiling;
        var chunk = items.ToList();
        Task? publishing = null;
        try
        {
            while (true)
            {
                var chunkEnd = Math.Min(safe, upTo + ReadAhead);
                while (upTo < chunkEnd)
                {
                    var (more, readUpTo) = await Feed.ReadAsync(upTo, chunkEnd, cancellationToken);
                    chunk.AddRange(more);
                    upTo = readUpTo;
                }
                if (publishing is not null) await publishing;
                var (toPublish, chunkUpTo, waited, named) = (chunk, upTo, storyWait, links);
                publishing = Task.Run(() => PublishAsync(page, toPublish, chunkUpTo, waited, named, cancellationToken), cancellationToken);
                if (upTo >= safe)
                {
                    await publishing;
                    return NullChangeListener.Instance;
                }
                chunk = [];
                storyWait = links = default;
            }
        }
        catch when (publishing is { IsCompleted: false })
        {
            // A read failed while a chunk was being published: let that chunk finish (it counts as forwarded once
            // confirmed) before the daemon retries the page.
            await publishing!.ContinueWith(static _ => { }, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>
    /// Events beyond its page one page reads ahead at most: the daemon commits the subscription's progress only when a
    /// page returns, so this bounds what a crash before that commit republishes (under the same message ids) and how far
    /// the committed progress — what the ingestion gate and the pipeline view read — trails what the broker confirmed.
    /// One page a second (the story wait) still covers about 4,500 events, some 1,600 articles.
    /// </summary>
    public const int MaxReadAheadPerPage = 2 * ReadAhead;

    /// <summary>Publishes the alerts of one chunk and waits for the broker's confirms (retrying while it is down); then the chunk counts as forwarded.</summary>
    private async Task PublishAsync(EventRange page, List<AlertItem> items, long upTo, TimeSpan storyWait, TimeSpan links,
        CancellationToken cancellationToken)
    {
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
                    // One span per alert, under the article's trace, covering its chunk's publish and confirms.
                    using var activity = MonitoringTelemetry.Source.StartActivity("publish alert", ActivityKind.Producer,
                        MonitoringTelemetry.ParentFrom(item.TraceParent), startTime: started);
                    activity?.SetTag("article.id", item.ArticleId);
                    activity?.SetTag("alert.position", item.Position);
                    activity?.SetTag("alert.countries", string.Join(',', item.Primary));
                    MonitoringTelemetry.RecordStage(MonitoringTelemetry.Stages.Alerted, item.FetchedAt, now);
                    _latencies.Add(now, (now - item.FetchedAt).TotalMilliseconds);
                }
                AlertsPublished.Add(items.Count(i => i.Primary.Count > 0));
                _forwardedUpTo = upTo;
                if (items.Count > 0 && _logger.IsEnabled(LogLevel.Debug))
                    AlertsLog.ExchangePageForwarded(_logger, page.SequenceFloor, page.SequenceCeiling, upTo, items.Count,
                        (now - items.Min(i => i.RecordedAt)).TotalMilliseconds, (now - items.Max(i => i.RecordedAt)).TotalMilliseconds,
                        storyWait.TotalMilliseconds, links.TotalMilliseconds, (now - started).TotalMilliseconds);
                return;
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
