using System.Text.Json;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Stories;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>Rebuilding stops the live projection agents, so it gets a store of its own.</summary>
public sealed class StoryRebuildTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    [Fact]
    public async Task The_rebuilt_story_view_equals_the_live_one_story_for_story_and_article_for_article()
    {
        // Stories that grow, take revisions, lose members and break, recorded in small batches (many daemon pages).
        var messages = StoryEvaluation.Messages(DateTimeOffset.UtcNow.AddDays(-3), "b" + Guid.NewGuid().ToString("N")[..10] + "-");
        foreach (var chunk in messages.Chunk(5)) await store.RecordBatchAsync(chunk);
        // Then every fifth article stops alerting (a reclassification without topics): it leaves its story.
        var leaving = messages.GroupBy(m => m.Article.ArticleId).Select(g => g.MaxBy(m => m.Article.Revision)!).Where((_, i) => i % 5 == 0)
            .Select(m => m with { Article = m.Article with { Revision = m.Article.Revision + 1 }, Topics = [], Severity = Monitoring.Contracts.Severity.None })
            .ToList();
        foreach (var chunk in leaving.Chunk(5)) await store.RecordBatchAsync(chunk);
        await store.WaitForProjectionsAsync();
        var live = await SnapshotAsync();

        var daemon = store.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        await daemon.RebuildProjectionAsync("stories", TimeSpan.FromMinutes(2), CancellationToken.None);
        await daemon.StartAgentAsync("stories:All", CancellationToken.None);
        var rebuilt = await SnapshotAsync();

        Assert.True(live.Count(pair => pair.Key.StartsWith("story:")) >= 20, $"only {live.Count} documents to compare");
        Assert.Contains(live.Values, v => v.Contains("\"Active\":false"));
        Assert.Equal(live.Keys.Order(), rebuilt.Keys.Order());
        var different = live.Where(pair => pair.Value != rebuilt[pair.Key]).Select(pair => $"{pair.Key}\n live:    {pair.Value}\n rebuilt: {rebuilt[pair.Key]}").ToList();
        Assert.True(different.Count == 0, $"{different.Count} documents differ:\n{string.Join("\n", different.Take(3))}");

        // The assigner appends a page's story events set-based: each story's stream is as Marten would have written it —
        // versions 1..n in sequence order, the stream's version its last, readable with FetchStream.
        await using (var check = store.Store.QuerySession())
        {
            var streams = await check.Query<Story>().Select(s => s.Id).ToListAsync();
            foreach (var id in streams)
            {
                var events = await check.Events.FetchStreamAsync(id);
                Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.Version));
                Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
                Assert.IsType<StoryStarted>(events[0].Data);
                Assert.Equal(events.Count, (await check.Events.FetchStreamStateAsync(id))!.Version);
            }
        }

        // Every story's article count is its active entries.
        await using var session = store.Store.QuerySession();
        foreach (var story in await session.Query<Story>().ToListAsync())
            Assert.Equal(story.ArticleCount, await session.Query<StoryArticleEntry>().CountAsync(e => e.StoryId == story.Id && e.Active));
    }

    private async Task<Dictionary<string, string>> SnapshotAsync()
    {
        await using var session = store.Store.QuerySession();
        var stories = await session.Query<Story>().ToListAsync();
        var entries = await session.Query<StoryArticleEntry>().ToListAsync();
        return stories.Select(s => ("story:" + s.Id, JsonSerializer.Serialize(s)))
            .Concat(entries.Select(e => ("entry:" + e.Id, JsonSerializer.Serialize(e))))
            .ToDictionary(x => x.Item1, x => x.Item2);
    }
}
