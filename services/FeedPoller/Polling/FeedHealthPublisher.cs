using System.Threading.Channels;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.FeedPoller.Registry;

namespace Monitoring.FeedPoller.Polling;

/// <summary>
/// Publishes <see cref="FeedHealthChanged"/> for every change the registry reports, one at a time in the order they
/// happened, so the dashboard's latest message per feed is its current state. A publish that fails is logged and
/// dropped: the next poll of that feed publishes its full state again.
/// </summary>
public sealed class FeedHealthPublisher : BackgroundService
{
    private readonly Channel<FeedHealthChanged> _pending = Channel.CreateUnbounded<FeedHealthChanged>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IBus _bus;
    private readonly ILogger<FeedHealthPublisher> _logger;

    public FeedHealthPublisher(FeedRegistry registry, IBus bus, TimeProvider clock, ILogger<FeedHealthPublisher> logger)
    {
        (_bus, _logger) = (bus, logger);
        registry.Changed += (feed, removed) => _pending.Writer.TryWrite(Health(feed, removed, clock.GetUtcNow()));
    }

    public static FeedHealthChanged Health(FeedRecord feed, bool removed, DateTimeOffset now) => new(
        feed.Id, feed.Url.ToString(), feed.Title ?? feed.FeedTitle, removed ? "removed" : feed.Status,
        feed.LastAttemptAt, feed.LastSuccessAt, feed.LastError, feed.ConsecutiveFailures,
        removed || feed.Paused ? null : feed.NextPollAt, feed.ArticlesPublished, now);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var health in _pending.Reader.ReadAllAsync(stoppingToken))
        {
            // Not cancelled by shutdown: a publish under way finishes (the bus stops after this service), bounded in time.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _bus.Publish(health, timeout.Token);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                FeedPollerLog.HealthPublishFailed(_logger, health.FeedUrl, e.Message);
            }
        }
    }
}
