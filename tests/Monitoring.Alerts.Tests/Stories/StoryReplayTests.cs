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

    [Fact]
    public async Task An_assigner_that_reloads_its_memory_from_the_store_decides_as_one_that_never_stopped()
    {
        // A third of the history, then the assigner forgets everything and reloads (story members from their own
        // documents); another third, then its stories are rewritten as stores before member documents kept them (members
        // inline) and it reloads again; the rest. The story events must be those of one engine that saw it all.
        var prefix = "m" + NewId() + "-";
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        var messages = StoryEvaluation.Messages(start, prefix);
        var assigner = store.Services.GetRequiredService<StoryAssigner>();
        var thirds = messages.Chunk((messages.Count + 2) / 3).ToList();
        var inlineUpTo = 0L;
        for (var part = 0; part < thirds.Count; part++)
        {
            foreach (var chunk in thirds[part].Chunk(7)) await store.RecordBatchAsync(chunk);
            await store.WaitForProjectionsAsync();
            if (part == 1) inlineUpTo = await StoreMembersInlineAsync();
            assigner.Forget();
        }

        await using var session = store.Store.QuerySession();
        var history = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        var recorded = InCauseOrder(history.Select(e => e.Data).OfType<IStoryEvent>());
        var replay = new StoryReplay(store.Services.GetRequiredService<StoryOptions>());
        foreach (var e in history) replay.Apply(e.Sequence, e.Data);
        var replayed = InCauseOrder(replay.Decisions.Select(d => d.Event));
        Assert.True(recorded.Count >= 60, $"only {recorded.Count} story events recorded");
        var first = Enumerable.Range(0, Math.Min(recorded.Count, replayed.Count)).FirstOrDefault(i => recorded[i] != replayed[i], -1);
        Assert.True(first < 0, first < 0 ? "" : $"event {first} differs:\nrecorded {recorded[first]}\nreplayed {replayed[first]}");
        Assert.Equal(recorded.Count, replayed.Count);

        // A story stored the old way is stored the new way once it changes again: its members in documents of their own.
        var changedSince = history.Where(e => e.Sequence > inlineUpTo).Select(e => e.Data).OfType<IStoryEvent>().Select(e => e.StoryId).ToHashSet();
        await using var query = store.Store.QuerySession();
        var stories = (await query.Query<StoryMemory>().ToListAsync()).Where(s => changedSince.Contains(s.Id)).ToList();
        Assert.NotEmpty(stories);
        Assert.All(stories, s => Assert.Empty(s.Members));
        var ids = stories.Select(s => s.Id).ToArray();
        var members = await query.Query<StoryMember>().Where(m => ids.Contains(m.StoryId)).ToListAsync();
        Assert.Equal(ids.Order(), members.Select(m => m.StoryId).Distinct().Order());
    }

    /// <summary>
    /// Every story document rewritten with its members inline and the member documents deleted (the old layout);
    /// returns the store's position then.
    /// </summary>
    private async Task<long> StoreMembersInlineAsync()
    {
        await using var session = store.Store.LightweightSession();
        var stories = await session.Query<StoryMemory>().ToListAsync();
        var members = await session.Query<StoryMember>().ToListAsync();
        foreach (var story in stories)
        {
            story.Members = members.Where(m => m.StoryId == story.Id).OrderBy(m => m.Order).ToList();
            session.Store(story);
        }
        session.DeleteWhere<StoryMember>(m => m.Order >= 0);
        await session.SaveChangesAsync();
        return await session.Events.QueryAllRawEvents().MaxAsync(e => e.Sequence);
    }

    internal static List<string> InCauseOrder(IEnumerable<IStoryEvent> events) =>
        events.Select((e, i) => (e, i)).OrderBy(x => x.e.Cause).ThenBy(x => x.e.StoryId, StringComparer.Ordinal).ThenBy(x => x.i)
            .Select(x => Describe(x.e)).ToList();

    private static string Describe(IStoryEvent e) => JsonSerializer.Serialize(e, e.GetType());
}
