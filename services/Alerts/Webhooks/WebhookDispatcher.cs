using System.Text.Json;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Stories;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Webhooks;

/// <summary>
/// Turns every alert into a pending <see cref="WebhookDelivery"/> for each active webhook subscription that
/// asked for it, as a Marten subscription on the async daemon. Per-article subscriptions get each alert with its story
/// named (the page waits for the story assigner); per-story ones get story events.
/// </summary>
/// <remarks>
/// The daemon hands the dispatcher ranges of the event store without loading their events (its only event type,
/// <see cref="NotAppended"/>, is never written), and the dispatcher reads what its active subscriptions need: the alerts
/// when one is per article, the story events when one is per story, from the first position any of them starts after —
/// and nothing at all while there are none. Loading every article and story event for a dispatcher with no
/// subscriptions was over a quarter of the daemon's event reads (1,000 articles/s load run: 197,000 of 705,000 rows, and their
/// deserialisation in this process).
/// A range is read and written in pages of <see cref="AlertFeedReader.PageSize"/> events, each page's deliveries in a
/// transaction of their own before the daemon commits the range, so catching up on a long range holds one page in
/// memory. Exactly once still holds: a delivery's id is its subscription and position, a range processed again (after a
/// crash before the daemon's commit, or a failover) skips the ids already written, and two writers of the same id
/// cannot both insert it (the second fails and its page is retried, then skips it).
/// </remarks>
public sealed class WebhookDispatcher : SubscriptionBase
{
    /// <summary>Never appended: the daemon's filter for this subscription, so that it loads no events for it.</summary>
    public sealed record NotAppended;

    private readonly WebhookSenderSignal _signal;
    private readonly StoryProgress _stories;
    private readonly StoryLinks _links;
    private readonly TimeProvider _clock;
    private readonly IServiceProvider _services;

    public WebhookDispatcher(WebhookSenderSignal signal, StoryProgress stories, StoryLinks links, TimeProvider clock, IServiceProvider services)
    {
        _signal = signal;
        _stories = stories;
        _links = links;
        _clock = clock;
        _services = services;
        Name = "webhook-dispatch";
        IncludeType<NotAppended>();
    }

    // Resolved on first use: the reader needs the store, which is built with this subscription.
    private AlertFeedReader Feed => field ??= _services.GetRequiredService<AlertFeedReader>();

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var subscriptions = await operations.Query<WebhookSubscription>()
            .Where(s => s.Status == WebhookSubscriptionStatus.Active)
            .ToListAsync(cancellationToken);
        if (subscriptions.Count == 0) return NullChangeListener.Instance;
        var perStory = subscriptions.Where(s => s.Per == WebhookSubscription.PerStory).ToList();
        var perArticle = subscriptions.Where(s => s.Per != WebhookSubscription.PerStory).ToList();
        Type[] types = [.. perArticle.Count > 0 ? AlertFeedReader.AlertEventTypes : [], .. perStory.Count > 0 ? StoryItem.EventTypes : []];

        var after = Math.Max(page.SequenceFloor, subscriptions.Min(s => s.StartPosition));
        while (after < page.SequenceCeiling)
        {
            var (events, readUpTo) = await Feed.ReadEventsAsync(after, page.SequenceCeiling, types, cancellationToken);
            after = readUpTo;
            IReadOnlyList<AlertItem> items = events.Select(AlertFeedReader.ToItem).OfType<AlertItem>().ToList();
            var stories = events.Select(StoryItem.From).OfType<StoryItem>().ToList();
            if (items.Count > 0)
            {
                await _stories.WaitForAsync(items[^1].Position, cancellationToken);
                items = await _links.NameStoriesAsync(items, cancellationToken);
            }
            var now = _clock.GetUtcNow();
            var deliveries = (
                    from subscription in perArticle
                    from item in items
                    where item.Position > subscription.StartPosition
                    let eventType = subscription.Filter.EventFor(item)
                    where eventType is not null
                    select WebhookDeliveries.Create(subscription, item, eventType, now, replay: null))
                .Concat(
                    from subscription in perStory
                    from story in stories
                    where story.Position > subscription.StartPosition
                    let storyEvent = subscription.Filter.StoryEventFor(story)
                    where storyEvent is not null
                    select WebhookDeliveries.Create(subscription, story, storyEvent, now, replay: null))
                .ToList();
            if (deliveries.Count > 0) await WriteAsync(operations.DocumentStore, deliveries, cancellationToken);
        }
        return NullChangeListener.Instance;
    }

    /// <summary>Inserts the deliveries not written yet (a range processed again must not reset deliveries already under way).</summary>
    private async Task WriteAsync(IDocumentStore store, List<WebhookDelivery> deliveries, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var existing = (await session.LoadManyAsync<WebhookDelivery>(cancellationToken, deliveries.Select(d => d.Id).ToArray()))
            .Select(d => d.Id).ToHashSet();
        var fresh = deliveries.Where(d => !existing.Contains(d.Id)).ToArray();
        if (fresh.Length == 0) return;
        session.Insert(fresh);
        await session.SaveChangesAsync(cancellationToken);
        _signal.Pulse();
    }
}

public static class WebhookDeliveries
{
    public static WebhookDelivery Create(WebhookSubscription subscription, AlertItem item, string kind, DateTimeOffset now, int? replay) =>
        Create(subscription, item.Position, item.ArticleId, storyId: null, item.TraceParent, kind, now, replay,
            (id, replaying) => new { DeliveryId = id, SubscriptionId = subscription.Id, Event = kind, Replay = replaying, Alert = item });

    /// <summary>A per-story subscription's delivery: the body carries <c>story</c> instead of <c>alert</c>.</summary>
    public static WebhookDelivery Create(WebhookSubscription subscription, StoryItem story, string kind, DateTimeOffset now, int? replay) =>
        Create(subscription, story.Position, story.Article?.ArticleId ?? "", story.StoryId, traceParent: null, kind, now, replay,
            (id, replaying) => new { DeliveryId = id, SubscriptionId = subscription.Id, Event = kind, Replay = replaying, Story = story.Body(kind, replaying) });

    /// <summary>A pending delivery with id <c>{subscription}.{position}</c> (<c>.r{n}</c> for the n-th replay) and its body.</summary>
    private static WebhookDelivery Create(WebhookSubscription subscription, long position, string articleId, string? storyId,
        string? traceParent, string kind, DateTimeOffset now, int? replay, Func<string, bool, object> body)
    {
        var id = $"{subscription.Id}.{position}" + (replay is { } r ? $".r{r}" : "");
        return new WebhookDelivery
        {
            Id = id,
            SubscriptionId = subscription.Id,
            Position = position,
            ArticleId = articleId,
            StoryId = storyId,
            Event = kind,
            Replay = replay is not null,
            Payload = JsonSerializer.Serialize(body(id, replay is not null), MonitoringJson.Options),
            Status = WebhookDeliveryStatus.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
            TraceParent = traceParent,
        };
    }
}

/// <summary>Wakes the <see cref="WebhookSender"/> as soon as new deliveries are committed.</summary>
public sealed class WebhookSenderSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Pulse()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
