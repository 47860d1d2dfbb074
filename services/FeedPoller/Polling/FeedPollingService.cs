using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.FeedPoller.Feeds;
using Monitoring.FeedPoller.Parsing;
using Monitoring.Hosting;

namespace Monitoring.FeedPoller.Polling;

/// <summary>What the poller knows about one feed between polls.</summary>
public sealed class FeedState(FeedSubscription subscription)
{
    public FeedSubscription Subscription { get; } = subscription;
    public string? ETag { get; set; }
    public DateTimeOffset? LastModified { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public string? LastError { get; set; }
    public int ConsecutiveFailures { get; set; }
    public int ArticlesPublished { get; set; }
}

/// <summary>
/// Polls every feed of the operator's list on a fixed interval and publishes each new or edited article once.
/// </summary>
public sealed class FeedPollingService(
    FeedRegistry registry,
    IHttpClientFactory httpClients,
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<FeedPollingService> logger) : BackgroundService
{
    private static readonly Counter<long> Fetched =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.articles.fetched", description: "Articles published by the poller");
    private static readonly Counter<long> Failures =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.feeds.failures", description: "Failed feed polls");

    /// <summary>Article id → (revision, content hash) of what was last published.</summary>
    private readonly ConcurrentDictionary<string, (int Revision, string Hash)> _published = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("MONITORING_POLL_INTERVAL_SECONDS", 300));
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            await Parallel.ForEachAsync(registry.Feeds, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
                async (feed, ct) => await PollAsync(feed, ct));
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task PollAsync(FeedState feed, CancellationToken ct)
    {
        using var activity = MonitoringTelemetry.Source.StartActivity("poll feed");
        activity?.SetTag("feed.url", feed.Subscription.Url.ToString());
        feed.LastAttemptAt = clock.GetUtcNow();
        try
        {
            var fetcher = new FeedFetcher(httpClients.CreateClient(FeedFetcher.HttpClientName));
            var result = await fetcher.FetchAsync(feed.Subscription.Url, feed.ETag, feed.LastModified, ct);
            if (!result.NotModified)
            {
                using var body = new MemoryStream(result.Body);
                var parsed = FeedParser.Parse(body, feed.Subscription.Url);
                await PublishNewArticlesAsync(feed, parsed, ct);
                feed.ETag = result.ETag;
                feed.LastModified = result.LastModified;
            }
            feed.LastSuccessAt = clock.GetUtcNow();
            feed.LastError = null;
            feed.ConsecutiveFailures = 0;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            feed.LastError = e.Message;
            feed.ConsecutiveFailures++;
            Failures.Add(1);
            FeedPollerLog.PollFailed(logger, feed.Subscription.Url.ToString(), e.Message);
        }
    }

    private async Task PublishNewArticlesAsync(FeedState feed, ParsedFeed parsed, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var source = feed.Subscription.Title ?? parsed.Title ?? feed.Subscription.Url.Host;
        foreach (var item in parsed.Items)
        {
            if (item.Title.Length == 0 && item.Text.Length == 0) continue;
            var id = ArticleIdentity.For(item.Link, item.Guid, item.Title, item.Text);
            var hash = ArticleIdentity.ContentHash(item.Title, item.Text);
            var revision = 1;
            if (_published.TryGetValue(id, out var known))
            {
                if (known.Hash == hash) continue;
                revision = known.Revision + 1;
            }

            await publisher.Publish(new ArticleFetched(
                id, revision, feed.Subscription.Url.ToString(), source,
                item.Link ?? feed.Subscription.Url.ToString(), item.Title, item.Text,
                item.Language ?? feed.Subscription.Language ?? parsed.Language,
                item.Published, clock.GetUtcNow(), hash), ct);
            _published[id] = (revision, hash);
            feed.ArticlesPublished++;
            Fetched.Add(1);
        }
    }
}
