using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Stories;
using Xunit.Abstractions;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>Story assignment is a deterministic function of the event history, in a store of its own.</summary>
public sealed class StoryReplayTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Replaying_the_recorded_history_through_a_fresh_engine_reproduces_every_story_event()
    {
        var prefix = "r" + NewId() + "-";
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        var messages = StoryEvaluation.Messages(start, prefix);
        foreach (var chunk in messages.Chunk(7)) await store.RecordBatchAsync(chunk);
        await store.WaitForProjectionsAsync();

        await using var session = store.Store.QuerySession();
        var history = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        // The assigner writes a page's events story by story, so compare in the order of their causes.
        var recorded = InCauseOrder(history.Select(e => e.Data).OfType<IStoryEvent>());

        // A new engine fed the same article events in the same order, as the assigner reads them, decides the same events.
        var replay = new StoryReplay(store.Services.GetRequiredService<StoryOptions>());
        foreach (var e in history) replay.Apply(e.Sequence, e.Data);
        Assert.True(recorded.Count >= 60, $"only {recorded.Count} story events recorded");
        var replayed = InCauseOrder(replay.Decisions.Select(d => d.Event));
        var first = Enumerable.Range(0, Math.Min(recorded.Count, replayed.Count)).FirstOrDefault(i => recorded[i] != replayed[i], -1);
        Assert.True(first < 0, first < 0 ? "" : $"event {first} differs:\nrecorded {recorded[first]}\nreplayed {replayed[first]}");
        Assert.Equal(recorded.Count, replayed.Count);
    }

    private static List<string> InCauseOrder(IEnumerable<IStoryEvent> events) =>
        events.Select((e, i) => (e, i)).OrderBy(x => x.e.Cause).ThenBy(x => x.e.StoryId, StringComparer.Ordinal).ThenBy(x => x.i)
            .Select(x => Describe(x.e)).ToList();

    private static string Describe(IStoryEvent e) => JsonSerializer.Serialize(e, e.GetType());
}
