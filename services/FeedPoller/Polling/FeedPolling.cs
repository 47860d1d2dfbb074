using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.FeedPoller.Articles;
using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Parsing;
using Monitoring.FeedPoller.Registry;
using Monitoring.FeedPoller.Scheduling;
using Monitoring.Hosting;

namespace Monitoring.FeedPoller.Polling;

/// <summary>
/// One poll of one feed: fetch (conditional), parse, turn entries into articles, decide what is new or edited,
/// publish <see cref="ArticleFetched"/> for those, then store the feed's new state, what it showed and a history
/// line in one transaction, and schedule the next poll. Any failure is the feed's failure: recorded, backed off,
/// published as its health — never the poller's. The feed passed in is as this replica claimed it: no other replica
/// polls it meanwhile (see <see cref="Scheduling.FeedLeases"/>).
/// </summary>
public sealed class FeedPolling(
    FeedFetcher fetcher,
    FeedStore store,
    FeedRegistry registry,
    IPublishEndpoint publisher,
    FeedPollerOptions options,
    TimeProvider clock,
    ILogger<FeedPolling> logger)
{
    private static readonly Counter<long> ArticlesPublished =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.feedpoller.articles", description: "Articles published by the poller (new and edited)");
    private static readonly Counter<long> Polls =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.feedpoller.polls", description: "Feed polls by outcome");
    private static readonly Histogram<double> PollDuration =
        MonitoringTelemetry.Meter.CreateHistogram<double>("monitoring.feedpoller.poll.duration", "ms", "Time to poll one feed");

    public async Task<FeedRecord?> PollAsync(FeedRecord feed, CancellationToken ct)
    {
        using var activity = MonitoringTelemetry.Source.StartActivity("poll feed");
        activity?.SetTag("feed.id", feed.Id);
        activity?.SetTag("feed.url", feed.Url.ToString());
        var started = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var fetched = await fetcher.FetchAsync(feed.Url, feed.ETag, feed.LastModified, allowFile: feed.Origin == FeedOrigin.List, ct);
            if (fetched.Outcome == FetchOutcome.NotModified)
            {
                var interval = PollSchedule.AfterSuccess(options.Bounds, feed.Interval, [], 0, null, fetched.Cache, started, Random.Shared);
                return await RecordAsync(feed, started, stopwatch, f => f with
                {
                    ETag = fetched.ETag ?? f.ETag,
                    LastModified = fetched.LastModified ?? f.LastModified,
                }, interval, DeduplicationResult.Empty, FeedHistoryEntry.NotModified, fetched.StatusCode, null, ct);
            }

            var document = FeedParser.Parse(fetched.Body, fetched.ContentType, fetched.FinalUrl, contentLanguage: fetched.ContentLanguage);
            var language = feed.Language ?? document.Language;
            var drafts = document.Entries.Select(e => ArticleDraft.From(e, language)).OfType<ArticleDraft>().ToList();
            var (known, seen) = await store.LookupAsync(feed.Id, drafts, ct);
            var decision = ArticleDeduplication.Decide(drafts, known, seen, started);
            await PublishAsync(feed, document, decision, started, ct);

            var entryDates = document.Entries.Select(e => e.Published ?? e.Updated).OfType<DateTimeOffset>().ToList();
            var next = PollSchedule.AfterSuccess(options.Bounds, feed.Interval, entryDates, decision.Publish.Count,
                document.UpdateHint, fetched.Cache, started, Random.Shared);
            var detail = document.Problems.Count > 0 ? "recovered: " + string.Join("; ", document.Problems.Take(3)) : null;
            if (fetched.PermanentRedirect is { } moved) detail = $"permanently redirected to {moved}" + (detail is null ? "" : "; " + detail);
            return await RecordAsync(feed, started, stopwatch, f => f with
            {
                ETag = fetched.ETag,
                LastModified = fetched.LastModified,
                FeedTitle = document.Title?.ToPlainText() is { Length: > 0 } title ? title : f.FeedTitle,
                ArticlesPublished = f.ArticlesPublished + decision.Publish.Count,
            }, next, decision, FeedHistoryEntry.Polled, fetched.StatusCode, detail, ct);
        }
        catch (Exception e) when (e is FetchException or FeedFormatException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var failures = feed.ConsecutiveFailures + 1;
            var retryAfter = (e as FetchException)?.RetryAfter;
            var next = PollSchedule.AfterFailure(options.Bounds, failures, retryAfter, Random.Shared);
            var message = e.Message.ReplaceLineEndings(" ");
            FeedPollerLog.PollFailed(logger, feed.Url.ToString(), message, failures, started + next);
            return await RecordAsync(feed, started, stopwatch, f => f with
            {
                LastError = message,
                ConsecutiveFailures = f.ConsecutiveFailures + 1,
            }, next, DeduplicationResult.Empty, FeedHistoryEntry.Failed, (e as FetchException)?.StatusCode, message, ct, failed: true);
        }
    }

    private async Task PublishAsync(FeedRecord feed, FeedDocument document, DeduplicationResult decision, DateTimeOffset fetchedAt, CancellationToken ct)
    {
        if (decision.Publish.Count == 0) return;
        var source = feed.Title ?? (document.Title?.ToPlainText() is { Length: > 0 } feedTitle ? feedTitle : feed.SourceName);
        var feedUrl = feed.Url.ToString();
        var articles = decision.Publish.Select(p => new ArticleFetched(
            p.Draft.Id, p.Revision, feedUrl, source, p.Draft.Url ?? feedUrl, p.Draft.Title, p.Draft.Text,
            p.Draft.Language, p.Draft.PublishedAt, fetchedAt, p.Draft.ContentHash)).ToList();
        // The poll's articles go out together, a batch per message, the batches confirmed by the broker in parallel.
        await Task.WhenAll(ArticleBatches.Chunk(articles, ArticleBatches.TextBytes).Select(batch => PublishBatchAsync(batch, ct)));
        ArticlesPublished.Add(decision.Publish.Count(p => p.Change == ArticleChange.New), new KeyValuePair<string, object?>("change", "new"));
        ArticlesPublished.Add(decision.Publish.Count(p => p.Change == ArticleChange.Updated), new KeyValuePair<string, object?>("change", "updated"));
    }

    /// <summary>
    /// Each article starts a trace of its own (linked to the feed's poll), carried in the batch next to it to the
    /// Classifier, then to the Alerts service, whose event store carries it on to projections and deliveries: one trace
    /// per article. The message itself is sent in the poll's trace.
    /// </summary>
    private async Task PublishBatchAsync(List<ArticleFetched> articles, CancellationToken ct)
    {
        var poll = Activity.Current;
        var activities = new List<Activity>(articles.Count);
        List<string?>? traceParents = null;
        try
        {
            for (var i = 0; i < articles.Count; i++)
            {
                var article = articles[i];
                Activity.Current = null; // a new root, not a child of the previous article's activity
                var activity = MonitoringTelemetry.Source.StartActivity("fetch article", ActivityKind.Producer, default(ActivityContext),
                    links: poll is null ? null : [new ActivityLink(poll.Context)]);
                if (activity is null) continue;
                activity.SetTag("article.id", article.ArticleId);
                activity.SetTag("article.revision", article.Revision);
                activity.SetTag("feed.url", article.FeedUrl);
                activities.Add(activity);
                (traceParents ??= Enumerable.Repeat<string?>(null, articles.Count).ToList())[i] = activity.Id;
            }
            Activity.Current = poll;
            await publisher.Publish(new ArticlesFetched(articles, traceParents), ct);
        }
        finally
        {
            foreach (var activity in activities) activity.Dispose();
            Activity.Current = poll;
        }
    }

    private async Task<FeedRecord?> RecordAsync(
        FeedRecord feed, DateTimeOffset started, Stopwatch stopwatch, Func<FeedRecord, FeedRecord> outcome, TimeSpan interval,
        DeduplicationResult decision, string kind, int? status, string? detail, CancellationToken ct, bool failed = false)
    {
        var next = started + interval;
        var after = outcome(feed);
        var polled = after with
        {
            LastAttemptAt = started,
            LastSuccessAt = failed ? feed.LastSuccessAt : started,
            LastError = failed ? after.LastError : null,
            ConsecutiveFailures = failed ? after.ConsecutiveFailures : 0,
            LastStatus = status,
            NextPollAt = next,
            Interval = failed ? feed.Interval : interval,
        };
        var history = new FeedHistoryEntry(feed.Id, started, kind, status, (int)stopwatch.ElapsedMilliseconds,
            decision.Publish.Count(p => p.Change == ArticleChange.New), decision.Publish.Count(p => p.Change == ArticleChange.Updated), detail, next,
            options.Replica);
        var updated = await store.RecordPollAsync(polled, decision, history, ct);
        Polls.Add(1, new KeyValuePair<string, object?>("outcome", kind));
        PollDuration.Record(stopwatch.Elapsed.TotalMilliseconds);
        if (updated is not null) registry.Polled(updated);
        return updated;
    }
}
