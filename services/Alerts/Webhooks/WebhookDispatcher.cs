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
/// asked for it, as a Marten subscription: the deliveries are written in the same transaction as the
/// subscription's progress, so each is created exactly once, across crashes, restarts and failovers. Per-article subscriptions
/// get each alert with its story named (the page waits for the story assigner); per-story ones get story events.
/// </summary>
public sealed class WebhookDispatcher : SubscriptionBase
{
    private readonly WebhookSenderSignal _signal;
    private readonly StoryProgress _stories;
    private readonly StoryLinks _links;
    private readonly TimeProvider _clock;

    public WebhookDispatcher(WebhookSenderSignal signal, StoryProgress stories, StoryLinks links, TimeProvider clock)
    {
        _signal = signal;
        _stories = stories;
        _links = links;
        _clock = clock;
        Name = "webhook-dispatch";
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
        foreach (var type in StoryItem.EventTypes) IncludeType(type);
        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        IReadOnlyList<AlertItem> items = page.Events.Select(AlertFeedReader.ToItem).OfType<AlertItem>().ToList();
        var stories = page.Events.Select(StoryItem.From).OfType<StoryItem>().ToList();
        if (items.Count == 0 && stories.Count == 0) return NullChangeListener.Instance;
        var subscriptions = await operations.Query<WebhookSubscription>()
            .Where(s => s.Status == WebhookSubscriptionStatus.Active)
            .ToListAsync(cancellationToken);
        if (items.Count > 0 && subscriptions.Any(s => s.Per != WebhookSubscription.PerStory))
        {
            await _stories.WaitForAsync(items[^1].Position, cancellationToken);
            items = await _links.NameStoriesAsync(items, cancellationToken);
        }
        var now = _clock.GetUtcNow();
        var deliveries = new List<WebhookDelivery>();
        foreach (var subscription in subscriptions)
        {
            if (subscription.Per == WebhookSubscription.PerStory)
            {
                deliveries.AddRange(
                    from story in stories
                    where story.Position > subscription.StartPosition
                    let storyEvent = subscription.Filter.StoryEventFor(story)
                    where storyEvent is not null
                    select WebhookDeliveries.Create(subscription, story, storyEvent, now, replay: null));
                continue;
            }
            deliveries.AddRange(
                from item in items
                where item.Position > subscription.StartPosition
                let eventType = subscription.Filter.EventFor(item)
                where eventType is not null
                select WebhookDeliveries.Create(subscription, item, eventType, now, replay: null));
        }
        if (deliveries.Count == 0) return NullChangeListener.Instance;

        // A page the daemon processes again (after a restart or a failover) must not reset deliveries already under way.
        var existing = (await operations.LoadManyAsync<WebhookDelivery>(cancellationToken, deliveries.Select(d => d.Id).ToArray()))
            .Select(d => d.Id).ToHashSet();
        foreach (var delivery in deliveries.Where(d => !existing.Contains(d.Id))) operations.Store(delivery);
        return _signal;
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
public sealed class WebhookSenderSignal : IChangeListener
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Pulse()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        Pulse();
        return Task.CompletedTask;
    }

    public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;
}
