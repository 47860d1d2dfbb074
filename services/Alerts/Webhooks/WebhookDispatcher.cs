using System.Text.Json;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Webhooks;

/// <summary>
/// Turns every alert into a pending <see cref="WebhookDelivery"/> for each active webhook subscription that
/// asked for it, as a Marten subscription: the deliveries are written in the same transaction as the
/// subscription's progress, so each is created exactly once, across crashes, restarts and failovers.
/// </summary>
public sealed class WebhookDispatcher : SubscriptionBase
{
    private readonly WebhookSenderSignal _signal;
    private readonly TimeProvider _clock;

    public WebhookDispatcher(WebhookSenderSignal signal, TimeProvider clock)
    {
        _signal = signal;
        _clock = clock;
        Name = "webhook-dispatch";
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var items = page.Events.Select(AlertFeedReader.ToItem).OfType<AlertItem>().ToList();
        if (items.Count == 0) return NullChangeListener.Instance;
        var subscriptions = await operations.Query<WebhookSubscription>()
            .Where(s => s.Status == WebhookSubscriptionStatus.Active)
            .ToListAsync(cancellationToken);
        var now = _clock.GetUtcNow();
        var deliveries = (
            from subscription in subscriptions
            from item in items
            where item.Position > subscription.StartPosition
            let eventType = subscription.Filter.EventFor(item)
            where eventType is not null
            select WebhookDeliveries.Create(subscription, item, eventType, now, replay: null)).ToList();
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
    public static WebhookDelivery Create(WebhookSubscription subscription, AlertItem item, string kind, DateTimeOffset now, int? replay)
    {
        var id = $"{subscription.Id}.{item.Position}" + (replay is { } r ? $".r{r}" : "");
        return new WebhookDelivery
        {
            Id = id,
            SubscriptionId = subscription.Id,
            Position = item.Position,
            ArticleId = item.ArticleId,
            Event = kind,
            Replay = replay is not null,
            Payload = JsonSerializer.Serialize(new
            {
                DeliveryId = id, SubscriptionId = subscription.Id, Event = kind, Replay = replay is not null, Alert = item,
            }, MonitoringJson.Options),
            Status = WebhookDeliveryStatus.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
            TraceParent = item.TraceParent,
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
