using Monitoring.FeedPoller.Scheduling;
using Monitoring.Hosting;

namespace Monitoring.FeedPoller.Registry;

/// <summary>
/// The feed registry's HTTP API. Reads are open; every write needs the API key (<c>MONITORING_API_KEY</c>).
/// Feeds added here must be http or https: local files come only from the operator's OPML list. Every replica reads and
/// writes the same PostgreSQL rows, so any replica's API shows and changes every feed.
/// </summary>
public static class FeedsEndpoints
{
    public sealed record FeedView(
        string Id, string Url, string? Title, string? FeedTitle, string? Language, string Origin, string Status, bool Paused,
        DateTimeOffset AddedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSuccessAt, string? LastError, int? LastHttpStatus,
        int ConsecutiveFailures, DateTimeOffset? NextPollAt, double? IntervalSeconds, long ArticlesPublished)
    {
        public static FeedView Of(FeedRecord f) => new(
            f.Id, f.Url.IsFile ? f.Url.AbsoluteUri : f.Url.OriginalString, f.Title, f.FeedTitle, f.Language, f.Origin.ToString().ToLowerInvariant(),
            f.Status, f.Paused, f.AddedAt, f.LastAttemptAt, f.LastSuccessAt, f.LastError, f.LastStatus, f.ConsecutiveFailures,
            f.Paused ? null : f.NextPollAt, f.Interval?.TotalSeconds, f.ArticlesPublished);
    }

    private const int MaxOpmlBytes = 4 * 1024 * 1024;

    public sealed record AddFeedRequest(string? Url, string? Title, string? Language);

    public static IEndpointRouteBuilder MapFeedsApi(this IEndpointRouteBuilder app)
    {
        var feeds = app.MapGroup("/api/feeds");
        feeds.MapGet("", async (FeedRegistry registry, CancellationToken ct) =>
            (await registry.ListAsync(ct)).Select(FeedView.Of));
        feeds.MapGet("/{id}", async (string id, FeedRegistry registry, CancellationToken ct) =>
            await registry.FindAsync(id, ct) is { } feed ? Results.Ok(FeedView.Of(feed)) : NotFound(id));
        // History outlives the feed: a removed feed's polls and its removal stay readable.
        feeds.MapGet("/{id}/history", async (string id, int? limit, FeedStore store, CancellationToken ct) =>
            await store.HistoryAsync(id, Math.Clamp(limit ?? 50, 1, 1000), ct) is { Count: > 0 } history ? Results.Ok(history) : NotFound(id));
        app.MapGet("/api/feeds.opml", async (FeedRegistry registry, TimeProvider clock, CancellationToken ct) =>
            Results.Text(Opml.Export(await registry.ListAsync(ct), clock.GetUtcNow()), "text/x-opml; charset=utf-8"));
        // The poller replicas sharing this schema's feeds, and which one answered.
        app.MapGet("/api/pollers", async (FeedLeases leases, CancellationToken ct) =>
            new { self = leases.Replica, replicas = await leases.ReplicasAsync(ct) });

        var writes = app.MapGroup("/api/feeds").RequireApiKey();
        writes.MapPost("", async (AddFeedRequest request, FeedRegistry registry, CancellationToken ct) =>
        {
            if (!TryWebUrl(request.Url, out var url, out var error)) return Results.BadRequest(new { error });
            var (feed, created) = await registry.AddAsync(new FeedSubscription(url, Blank(request.Title), Blank(request.Language)), FeedOrigin.Api, ct);
            return created ? Results.Created($"/api/feeds/{feed.Id}", FeedView.Of(feed)) : Results.Ok(FeedView.Of(feed));
        });
        writes.MapPost("/opml", async (HttpRequest http, FeedRegistry registry, CancellationToken ct) =>
        {
            IReadOnlyList<FeedSubscription> listed;
            try
            {
                // XmlReader reads synchronously, which Kestrel refuses on the request body: buffer it (bounded) first.
                using var body = new MemoryStream();
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await http.Body.ReadAsync(buffer, ct)) > 0)
                {
                    if (body.Length + read > MaxOpmlBytes) return Results.BadRequest(new { error = $"the feed list is larger than {MaxOpmlBytes} bytes" });
                    body.Write(buffer, 0, read);
                }
                body.Position = 0;
                listed = Opml.Read(body, fileBaseDirectory: null);
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }
            var added = new List<FeedView>();
            var existing = 0;
            foreach (var subscription in listed)
            {
                var (feed, created) = await registry.AddAsync(subscription, FeedOrigin.Api, ct);
                if (created) added.Add(FeedView.Of(feed));
                else existing++;
            }
            return Results.Ok(new { added, existing });
        });
        writes.MapDelete("/{id}", async (string id, FeedRegistry registry, CancellationToken ct) =>
            await registry.RemoveAsync(id, ct) is null ? NotFound(id) : Results.NoContent());
        writes.MapPost("/{id}/pause", async (string id, FeedRegistry registry, CancellationToken ct) =>
            await registry.PauseAsync(id, ct) is { } feed ? Results.Ok(FeedView.Of(feed)) : NotFound(id));
        writes.MapPost("/{id}/resume", async (string id, FeedRegistry registry, CancellationToken ct) =>
            await registry.ResumeAsync(id, ct) is { } feed ? Results.Ok(FeedView.Of(feed)) : NotFound(id));
        writes.MapPost("/{id}/poll", async (string id, FeedRegistry registry, CancellationToken ct) =>
        {
            if (await registry.FindAsync(id, ct) is not { } current) return NotFound(id);
            if (current.Paused) return Results.Conflict(new { error = $"feed {id} is paused; resume it to poll it" });
            return await registry.PollNowAsync(id, ct) is { } feed ? Results.Accepted($"/api/feeds/{id}", FeedView.Of(feed)) : NotFound(id);
        });
        return app;
    }

    private static IResult NotFound(string id) => Results.NotFound(new { error = $"no feed with id {id}" });

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static bool TryWebUrl(string? text, out Uri url, out string error)
    {
        url = null!;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || text.Trim().StartsWith('/'))
        {
            error = "url must be an absolute http or https URL";
            return false;
        }
        if (parsed.Scheme is not ("http" or "https"))
        {
            error = $"'{parsed.Scheme}:' feeds are refused through the API: only http and https (local files belong in the operator's feed list)";
            return false;
        }
        url = parsed;
        error = "";
        return true;
    }
}
