using System.Security.Cryptography;
using Marten;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Alerts.Stories;
using Monitoring.Contracts;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Webhooks;

public sealed record WebhookTarget(string? Url, string? Secret);

public sealed record CreateSubscriptionRequest(string? Name, string[]? Countries, string[]? Topics, string? MinSeverity, WebhookTarget? Webhook, string? Per = null);

public sealed record ReplayRequest(DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>
/// Webhook subscriptions: created, paused, resumed and deleted through the API with the API key, each
/// change an event in the subscription's own stream; <c>GET</c> shows delivery state and the delivery log.
/// </summary>
public static class SubscriptionsEndpoints
{
    public const int RecentDeliveries = 50;

    public static WebApplication MapSubscriptionsApi(this WebApplication app)
    {
        var writes = app.MapGroup("/api/subscriptions").RequireApiKey();

        writes.MapPost("", async (CreateSubscriptionRequest request, IDocumentSession session, AlertFeedReader feed,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (Validate(request) is { } problem) return Results.BadRequest(new { error = problem });
            var id = "sub_" + Guid.NewGuid().ToString("N");
            var secret = string.IsNullOrEmpty(request.Webhook!.Secret)
                ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))
                : request.Webhook.Secret;
            Severities.TryParse(request.MinSeverity ?? "none", out var floor);
            var created = new WebhookSubscriptionCreated(id, request.Name!.Trim(),
                (request.Countries ?? []).Select(c => CountryAlertsEndpoints.ParseCountry(c)!).Distinct().ToList(),
                (request.Topics ?? []).Distinct().ToList(), floor, request.Webhook.Url!, secret,
                await feed.SafePositionAsync(ct), clock.GetUtcNow(), request.Per ?? WebhookSubscription.PerArticle);
            session.Events.StartStream<WebhookSubscription>(id, created);
            await session.SaveChangesAsync(ct);
            var subscription = WebhookSubscription.Create(created);
            return Results.Created($"/api/subscriptions/{id}", new
            {
                subscription.Id, subscription.Name, subscription.Countries, subscription.Topics, subscription.MinSeverity, subscription.Per,
                Webhook = new { subscription.Url, Secret = secret }, subscription.Status, subscription.CreatedAt, subscription.StartPosition,
            });
        });

        writes.MapGet("", async (IQuerySession session, CancellationToken ct) =>
            (await session.Query<WebhookSubscription>().Where(s => s.Status != WebhookSubscriptionStatus.Deleted)
                .OrderBy(s => s.CreatedAt).ToListAsync(ct)).Select(View));

        app.MapGet("/api/subscriptions/{id}", async (string id, IQuerySession session, CancellationToken ct) =>
        {
            var subscription = await session.LoadAsync<WebhookSubscription>(id, ct);
            if (subscription is null) return Results.NotFound(new { error = $"no subscription {id}" });
            // Counts first, the list after: a state the counts show is then never older in the list.
            var counts = new Dictionary<string, int>();
            foreach (var status in Enum.GetValues<WebhookDeliveryStatus>())
            {
                counts[status.ToString().ToLowerInvariant()] = await session.Query<WebhookDelivery>()
                    .CountAsync(d => d.SubscriptionId == id && d.Status == status, ct);
            }
            var deliveries = await session.Query<WebhookDelivery>().Where(d => d.SubscriptionId == id)
                .OrderByDescending(d => d.CreatedAt).Take(RecentDeliveries).ToListAsync(ct);
            return Results.Ok(new
            {
                subscription = View(subscription),
                deliveries = counts,
                recent = deliveries.Select(d => new
                {
                    d.Id, d.Position, d.ArticleId, d.StoryId, d.Event, d.Replay, Status = d.Status.ToString().ToLowerInvariant(), d.Attempts,
                    d.CreatedAt, d.NextAttemptAt, d.DeliveredAt, d.LastStatusCode, d.LastError, d.Log,
                }),
            });
        });

        writes.MapPost("/{id}/pause", (string id, IDocumentSession session, TimeProvider clock, CancellationToken ct) =>
            Change(id, session, s => s.Status == WebhookSubscriptionStatus.Active ? new WebhookSubscriptionPaused(id, clock.GetUtcNow()) : null, ct));
        writes.MapPost("/{id}/resume", (string id, IDocumentSession session, TimeProvider clock, CancellationToken ct) =>
            Change(id, session, s => s.Status == WebhookSubscriptionStatus.Paused ? new WebhookSubscriptionResumed(id, clock.GetUtcNow()) : null, ct));
        writes.MapDelete("/{id}", (string id, IDocumentSession session, TimeProvider clock, CancellationToken ct) =>
            Change(id, session, _ => new WebhookSubscriptionDeleted(id, clock.GetUtcNow()), ct));

        writes.MapPost("/{id}/replay", async (string id, ReplayRequest request, IDocumentSession session, AlertFeedReader feed,
            TimeProvider clock, CancellationToken ct) =>
        {
            var subscription = await session.LoadAsync<WebhookSubscription>(id, ct);
            if (subscription is null || subscription.Status == WebhookSubscriptionStatus.Deleted) return Results.NotFound(new { error = $"no subscription {id}" });
            if (request.Since is null) return Results.BadRequest(new { error = "since is required" });
            var replay = (int)(clock.GetUtcNow().ToUnixTimeSeconds() % 1_000_000_000);
            var deliveries = 0;
            var until = request.Until ?? clock.GetUtcNow();
            if (subscription.Per == WebhookSubscription.PerStory)
            {
                await foreach (var story in feed.ReadStoryRangeAsync(request.Since.Value, until, ct))
                {
                    if (subscription.Filter.StoryEventFor(story) is not { } storyEvent) continue;
                    session.Store(WebhookDeliveries.Create(subscription, story, storyEvent, clock.GetUtcNow(), replay));
                    deliveries++;
                }
            }
            else
            {
                await foreach (var item in feed.ReadRangeAsync(request.Since.Value, until, ct))
                {
                    if (subscription.Filter.EventFor(item) is not { } eventType) continue;
                    session.Store(WebhookDeliveries.Create(subscription, item, eventType, clock.GetUtcNow(), replay));
                    deliveries++;
                }
            }
            await session.SaveChangesAsync(ct);
            return Results.Accepted($"/api/subscriptions/{id}", new { subscription = id, deliveries });
        });

        writes.MapPost("/{id}/deliveries/{deliveryId}/retry", async (string id, string deliveryId, IDocumentSession session,
            TimeProvider clock, WebhookSenderSignal signal, CancellationToken ct) =>
        {
            var delivery = await session.LoadAsync<WebhookDelivery>(deliveryId, ct);
            if (delivery is null || delivery.SubscriptionId != id) return Results.NotFound(new { error = $"no delivery {deliveryId}" });
            if (delivery.Status != WebhookDeliveryStatus.Dead) return Results.Conflict(new { error = "only dead-lettered deliveries can be retried" });
            delivery.Status = WebhookDeliveryStatus.Pending;
            delivery.Attempts = 0;
            delivery.NextAttemptAt = clock.GetUtcNow();
            session.Store(delivery);
            await session.SaveChangesAsync(ct);
            signal.Pulse();
            return Results.Accepted($"/api/subscriptions/{id}");
        });
        return app;
    }

    private static async Task<IResult> Change(string id, IDocumentSession session, Func<WebhookSubscription, object?> decide, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<WebhookSubscription>(id, ct);
        if (stream.Aggregate is null || stream.Aggregate.Status == WebhookSubscriptionStatus.Deleted)
            return Results.NotFound(new { error = $"no subscription {id}" });
        if (decide(stream.Aggregate) is { } change)
        {
            stream.AppendOne(change);
            await session.SaveChangesAsync(ct);
        }
        return Results.Ok(View((await session.LoadAsync<WebhookSubscription>(id, ct))!));
    }

    private static object View(WebhookSubscription s) => new
    {
        s.Id, s.Name, s.Countries, s.Topics, s.MinSeverity, s.Per, Webhook = new { s.Url }, Status = s.Status.ToString().ToLowerInvariant(),
        s.CreatedAt, s.ChangedAt, s.StartPosition,
    };

    private static string? Validate(CreateSubscriptionRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Name)) return "name is required";
        if (request.Per is not (null or WebhookSubscription.PerArticle or WebhookSubscription.PerStory)) return "per must be article or story";
        if (request.Webhook?.Url is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "webhook.url must be an absolute http(s) URL";
        if (request.Webhook.Secret is { Length: > 0 and < 16 }) return "webhook.secret must be at least 16 characters (or left out to have one generated)";
        if ((request.Countries ?? []).Any(c => CountryAlertsEndpoints.ParseCountry(c) is null)) return "countries must be ISO 3166-1 alpha-2 codes or EU";
        if ((request.Topics ?? []).FirstOrDefault(t => !Topics.All.Contains(t)) is { } unknown) return $"unknown topic '{unknown}'";
        if (request.MinSeverity is not null && !Severities.TryParse(request.MinSeverity, out _)) return "minSeverity must be one of none, low, medium, high, critical";
        return null;
    }
}
