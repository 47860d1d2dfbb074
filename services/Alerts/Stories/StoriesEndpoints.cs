using Marten;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// <c>GET /api/stories?country=&amp;topic=&amp;breaking=&amp;since=&amp;limit=&amp;articles=</c> (newest first) and
/// <c>GET /api/stories/{id}</c> (with every article).
/// </summary>
public static class StoriesEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    public const int DefaultArticlesInList = 5;

    public static WebApplication MapStoriesApi(this WebApplication app)
    {
        app.MapGet("/api/stories", async (string? country, string? topic, bool? breaking, DateTimeOffset? since, int? limit, int? articles,
            IQuerySession session, StoryOptions options, TimeProvider clock, CancellationToken ct) =>
        {
            string? code = null;
            if (country is not null && (code = CountryAlertsEndpoints.ParseCountry(country)) is null)
                return Results.BadRequest(new { error = "country must be an ISO 3166-1 alpha-2 code or EU" });
            if (CountryAlertsEndpoints.ParseFilter(topic, null) is { } error) return error;
            var now = clock.GetUtcNow();
            IQueryable<Story> query = session.Query<Story>();
            if (code is not null) query = query.Where(s => s.Countries.Contains(code));
            if (topic is not null) query = query.Where(s => s.Topics.Contains(topic));
            if (since is { } from) query = query.Where(s => s.LastUpdated >= from);
            var surgeAfter = now - options.BreakingHold;
            if (breaking == true) query = query.Where(s => s.LastSurgeAt != null && s.LastSurgeAt > surgeAfter);
            if (breaking == false) query = query.Where(s => s.LastSurgeAt == null || s.LastSurgeAt <= surgeAfter);
            var stories = await query.OrderByDescending(s => s.LastUpdated).Take(Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit)).ToListAsync(ct);
            var shown = Math.Clamp(articles ?? DefaultArticlesInList, 0, 1000);
            var newest = await NewestArticlesAsync(session, stories.Select(s => s.Id).ToList(), shown, ct);
            return Results.Ok(new { stories = stories.Select(s => View(s, newest[s.Id], options, now)) });
        });

        app.MapGet("/api/stories/{id}", async (string id, IQuerySession session, StoryOptions options, TimeProvider clock, CancellationToken ct) =>
            await session.LoadAsync<Story>(id, ct) is { } story
                ? Results.Ok(View(story, (await NewestArticlesAsync(session, [id], int.MaxValue, ct))[id], options, clock.GetUtcNow()))
                : Results.NotFound(new { error = $"no story {id}" }));
        return app;
    }

    /// <summary>Each story's newest <paramref name="articles"/> articles still in it, newest first, in one round trip.</summary>
    public static async Task<Dictionary<string, IReadOnlyList<StoryArticleEntry>>> NewestArticlesAsync(IQuerySession session,
        IReadOnlyList<string> storyIds, int articles, CancellationToken ct)
    {
        var newest = storyIds.Distinct().ToDictionary(id => id, _ => (IReadOnlyList<StoryArticleEntry>)[]);
        if (articles <= 0 || newest.Count == 0) return newest;
        var batch = session.CreateBatchQuery();
        var reads = newest.Keys.Select(id =>
        {
            var query = batch.Query<StoryArticleEntry>().Where(e => e.StoryId == id && e.Active).OrderByDescending(e => e.JoinedPosition);
            return (Id: id, Read: articles == int.MaxValue ? query.ToList() : query.Take(articles).ToList());
        }).ToList();
        await batch.Execute(ct);
        foreach (var (id, read) in reads) newest[id] = await read;
        return newest;
    }

    /// <summary>
    /// The story for the API with <paramref name="articles"/> (its newest first, <see cref="NewestArticlesAsync"/>);
    /// growth measured now over the breaking window; <c>breaking</c> while its last surge is within the hold time.
    /// </summary>
    public static object View(Story story, IReadOnlyList<StoryArticleEntry> articles, StoryOptions options, DateTimeOffset now)
    {
        var window = options.BreakingWindow;
        var inWindow = story.SourceTimeline.Count(s => s.At > now - window && s.At <= now);
        return new
        {
            story.Id, story.Title, Articles = articles.Select(a => new
            {
                a.Article.ArticleId, a.Article.Title, a.Article.Url, a.Article.Source, a.Article.Language, a.Article.PublishedAt,
                a.Article.DetectedAt, a.Article.Countries, a.Article.Topics, a.Article.Severity, a.Article.Revision, JoinedBy = a.Match,
            }),
            story.ArticleCount, story.Sources, SourceCount = story.Sources.Count, story.Languages, story.Countries, story.Topics,
            story.Severity, story.FirstSeen, story.LastUpdated,
            Breaking = story.LastSurgeAt is { } surge && surge > now - options.BreakingHold,
            story.BreakingAt, story.BreakingReason,
            GrowthPerHour = Math.Round(inWindow / window.TotalHours, 2),
            Growth = new { SourcesInWindow = inWindow, WindowMinutes = (int)window.TotalMinutes, Sources = story.SourceTimeline },
        };
    }
}
