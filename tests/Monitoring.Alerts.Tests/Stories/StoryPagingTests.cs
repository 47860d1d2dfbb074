using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Stories;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>The assigner held while a backlog builds, then working it off in pages of four classifications.</summary>
public sealed class StoryPagingFixture : HeldStoryAssignerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string>(base.Settings) { ["MONITORING_STORY_PAGE_SIZE"] = "4" };
}

public sealed class StoryPagingTests(StoryPagingFixture store) : IClassFixture<StoryPagingFixture>
{
    [Fact]
    public async Task An_assigner_behind_a_backlog_reads_each_page_while_writing_the_one_before_and_decides_as_one_that_kept_up()
    {
        // The whole evaluation history is recorded while the assigner cannot run; then every page it reads is full, so it
        // reads the next one (texts and fingerprints) while it assigns and writes the current one.
        var prefix = "p" + Guid.NewGuid().ToString("N")[..12] + "-";
        var messages = StoryEvaluation.Messages(DateTimeOffset.UtcNow.AddDays(-3), prefix);
        foreach (var chunk in messages.Chunk(7)) await store.RecordBatchAsync(chunk);
        var stories = store.Services.GetRequiredService<StoryProgress>();
        Assert.Equal(0, await stories.AssignedAsync(CancellationToken.None));

        await store.ReleaseAssignerAsync();
        await store.WaitForProjectionsAsync();

        await using var session = store.Store.QuerySession();
        var history = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        var classifications = history.Count(e => e.Data is Monitoring.Alerts.Articles.IArticleClassification);
        Assert.True(classifications >= 4 * 10, $"only {classifications} classifications: too few full pages to read ahead");
        var recorded = StoryReplayTests.InCauseOrder(history.Select(e => e.Data).OfType<IStoryEvent>());
        var replay = new StoryReplay(store.Services.GetRequiredService<StoryOptions>());
        foreach (var e in history) replay.Apply(e.Sequence, e.Data);
        var replayed = StoryReplayTests.InCauseOrder(replay.Decisions.Select(d => d.Event));
        Assert.True(recorded.Count >= 60, $"only {recorded.Count} story events recorded");
        var first = Enumerable.Range(0, Math.Min(recorded.Count, replayed.Count)).FirstOrDefault(i => recorded[i] != replayed[i], -1);
        Assert.True(first < 0, first < 0 ? "" : $"event {first} differs:\nrecorded {recorded[first]}\nreplayed {replayed[first]}");
        Assert.Equal(recorded.Count, replayed.Count);
    }
}
