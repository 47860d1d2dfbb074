using Monitoring.Alerts.AlertFeed;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Exchange;

public sealed record ExchangeReplayRequest(DateTimeOffset? Since, DateTimeOffset? Until, string? Country, string? Topic, string? MinSeverity);

/// <summary>
/// <c>POST /api/alerts/replay</c>: publishes the alerts of a time range to the exchange again, for AMQP
/// subscribers that want history. Replayed messages carry <c>"replay": true</c>, the header
/// <c>x-monitoring-replay</c>, and message ids of their own (<c>{id}.replay.{n}</c>) so dedupe caches keep them.
/// </summary>
public static class AlertReplayEndpoint
{
    public static WebApplication MapAlertReplay(this WebApplication app)
    {
        app.MapPost("/api/alerts/replay", async (ExchangeReplayRequest request, AlertFeedReader feed, AlertExchange exchange,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (request.Since is null) return Results.BadRequest(new { error = "since is required" });
            if (AlertStreamEndpoint.ParseFilter(request.Country, request.Topic, request.MinSeverity, out var filter) is { } error) return error;
            var replay = clock.GetUtcNow().ToUnixTimeMilliseconds();
            int alerts = 0, messages = 0;
            var batch = new List<ExchangeMessage>();
            await foreach (var item in feed.ReadRangeAsync(request.Since.Value, request.Until ?? clock.GetUtcNow(), ct))
            {
                if (filter.EventFor(item) != AlertEvents.Alert) continue;
                alerts++;
                batch.AddRange(AlertExchange.MessagesFor(item, replay: true)
                    .Where(m => filter.Countries.Count == 0 || filter.Countries.Contains(m.RoutingKey[..m.RoutingKey.IndexOf('.')]))
                    .Select(m => m with { MessageId = $"{m.MessageId}.replay.{replay}" }));
                if (batch.Count >= 500)
                {
                    await exchange.PublishAsync(batch, ct);
                    messages += batch.Count;
                    batch.Clear();
                }
            }
            await exchange.PublishAsync(batch, ct);
            messages += batch.Count;
            return Results.Ok(new { alerts, messages });
        }).RequireApiKey();
        return app;
    }
}
