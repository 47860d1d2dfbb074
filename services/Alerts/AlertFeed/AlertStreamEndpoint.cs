using Monitoring.Alerts.CountryAlerts;
using Monitoring.Alerts.Stories;
using Monitoring.Contracts;

namespace Monitoring.Alerts.AlertFeed;

/// <summary>
/// <c>GET /api/alerts/stream</c>: server-sent events. Each event's id is its position in the event store.
/// <c>Last-Event-ID</c> (or <c>after</c>, or <c>since</c> as a time) replays history from there, then the
/// stream continues live with nothing skipped and nothing repeated; <c>until</c> ends it at a time. With
/// <c>per=story</c> it sends one <c>story</c> event per story (when the story first matches the filter) and a
/// <c>breaking</c> event when it turns breaking, instead of one <c>alert</c> per article.
/// </summary>
public static class AlertStreamEndpoint
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static WebApplication MapAlertStream(this WebApplication app)
    {
        app.MapGet("/api/alerts/stream", async (HttpContext http, string? country, string? topic, string? minSeverity,
            long? after, DateTimeOffset? since, DateTimeOffset? until, string? per, AlertTail tail, AlertFeedReader reader) =>
        {
            if (ParseFilter(country, topic, minSeverity, out var filter) is { } error) return error;
            if (per is not (null or "article" or "story")) return Results.BadRequest(new { error = "per must be article or story" });
            var perStory = per == "story";
            var ct = http.RequestAborted;
            long? position = LastEventId(http.Request) ?? after;
            if (position is null && since is { } from) position = await reader.PositionBeforeAsync(from, ct);
            long? end = until is { } to ? await reader.PositionBeforeAsync(to.AddTicks(1), ct) : null;

            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync("retry: 2000\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            try
            {
                await StreamAsync(http.Response, filter, perStory, position, end, tail, reader, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // the client went away
            }
            return Results.Empty;
        });
        return app;
    }

    private static async Task StreamAsync(HttpResponse response, AlertSubscriptionFilter filter, bool perStory, long? start, long? end,
        AlertTail tail, AlertFeedReader reader, CancellationToken ct)
    {
        var position = start;
        while (!ct.IsCancellationRequested)
        {
            var subscription = await tail.SubscribeAsync(ct);
            try
            {
                position ??= subscription.StartPosition;
                var target = end is { } e ? Math.Min(e, subscription.StartPosition) : subscription.StartPosition;
                while (position < target)
                {
                    var (items, stories, readUpTo) = await reader.ReadFeedAsync(position.Value, target, ct);
                    if (perStory)
                    {
                        foreach (var story in stories)
                            if (filter.StoryEventFor(story) is { } eventType) await response.Body.WriteAsync(new StoryFrame(story).ServerSentEvent(eventType), ct);
                    }
                    else
                    {
                        foreach (var item in items)
                            if (filter.EventFor(item) is { } eventType) await response.Body.WriteAsync(new AlertFrame(item).ServerSentEvent(eventType), ct);
                    }
                    await response.Body.FlushAsync(ct);
                    position = readUpTo;
                }
                if (position >= end) return;

                while (true)
                {
                    using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    heartbeat.CancelAfter(Heartbeat);
                    bool more;
                    try
                    {
                        more = await subscription.Batches.WaitToReadAsync(heartbeat.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await response.WriteAsync(": keep-alive\n\n", ct);
                        await response.Body.FlushAsync(ct);
                        continue;
                    }
                    if (!more) break; // overflowed: catch up from the store again
                    while (subscription.Batches.TryRead(out var batch))
                    {
                        if (batch.To <= position) continue;
                        if (perStory)
                        {
                            foreach (var frame in batch.Stories)
                            {
                                if (frame.Item.Position <= position || (end is { } last && frame.Item.Position > last)) continue;
                                if (filter.StoryEventFor(frame.Item) is { } eventType) await response.Body.WriteAsync(frame.ServerSentEvent(eventType), ct);
                            }
                        }
                        else
                        {
                            foreach (var frame in batch.Items)
                            {
                                if (frame.Item.Position <= position || (end is { } last && frame.Item.Position > last)) continue;
                                if (filter.EventFor(frame.Item) is { } eventType) await response.Body.WriteAsync(frame.ServerSentEvent(eventType), ct);
                            }
                        }
                        position = end is { } stop ? Math.Min(batch.To, stop) : batch.To;
                        if (position >= end) return;
                    }
                    await response.Body.FlushAsync(ct);
                }
            }
            finally
            {
                tail.Unsubscribe(subscription);
            }
        }
    }

    private static long? LastEventId(HttpRequest request) =>
        request.Headers.TryGetValue("Last-Event-ID", out var value) && long.TryParse(value.ToString(), out var id) ? id : null;

    /// <summary>Comma-separated countries and topics, a severity floor; a 400 answer when any is unknown.</summary>
    public static IResult? ParseFilter(string? countries, string? topics, string? minSeverity, out AlertSubscriptionFilter filter)
    {
        filter = AlertSubscriptionFilter.All;
        var countryList = Split(countries).Select(CountryAlertsEndpoints.ParseCountry).ToList();
        if (countryList.Any(c => c is null)) return Results.BadRequest(new { error = "country must be ISO 3166-1 alpha-2 codes or EU, comma-separated" });
        var topicList = Split(topics).ToList();
        foreach (var t in topicList)
            if (CountryAlertsEndpoints.ParseFilter(t, null) is { } bad) return bad;
        if (CountryAlertsEndpoints.ParseFilter(null, minSeverity) is { } badSeverity) return badSeverity;
        Severities.TryParse(minSeverity ?? "none", out var floor);
        filter = new AlertSubscriptionFilter(countryList.OfType<string>().ToHashSet(), topicList.ToHashSet(), floor);
        return null;
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
