using System.Diagnostics.Metrics;
using Marten;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// How far the story assigner got, for the alert paths that name each alert's story: they read (or wait) only up to
/// that point, so an alert goes out with its <c>storyId</c>. The wait is bounded: an event no alert path could pass for
/// <see cref="StoryOptions.AlertWait"/> (since a reader first saw it waiting) goes out without its story, and a warning
/// says so. Stories are an addition to alerts, never a reason to hold them back — behind a backlog, a slow assigner or a
/// stopped one, alerts keep their latency and the story follows on the story paths (<c>monitoring.stories</c>,
/// <c>per=story</c>).
/// </summary>
/// <remarks>
/// The store is resolved on first use: the alert forwarder and webhook dispatcher depend on this, and the store
/// itself is built with them, so asking for it in the constructor would be a circular dependency.
/// </remarks>
public sealed class StoryProgress(IServiceProvider services, NpgsqlDataSource database, StoryOptions options, TimeProvider clock,
    ILogger<StoryProgress> logger)
{
    private static readonly Counter<long> Released =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.stories.released_unassigned",
            description: "Times alert paths moved past events the story assigner had not reached within the wait");

    private readonly Lock _gate = new();
    // Positions readers were waiting for, each with when it was first seen waiting: ascending in both.
    private readonly Queue<(long Position, DateTimeOffset Since)> _waiting = new();
    private long _released;
    private long _lastNoted;
    private bool _warned;

    private string? _checkpointTable;

    private string CheckpointTable => _checkpointTable ??= services.GetRequiredService<IDocumentStore>().Options
        .FindOrResolveDocumentType(typeof(StoryAssignerCheckpoint)).TableName.QualifiedName;

    /// <summary>Every article event up to this position has its story.</summary>
    public async Task<long> AssignedAsync(CancellationToken ct)
    {
        await using var command = database.CreateCommand($"select (data->>'Position')::bigint from {CheckpointTable} where id = @id");
        command.Parameters.AddWithValue("id", StoryAssignerCheckpoint.DocumentId);
        try
        {
            return await command.ExecuteScalarAsync(ct) is long position ? position : 0;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    /// <summary>
    /// The position alert readers may advance to: the assigner's, or further up to <paramref name="highWaterMark"/> where
    /// events have waited longer than the wait.
    /// </summary>
    public async Task<long> SafePositionAsync(long highWaterMark, CancellationToken ct)
    {
        var assigned = await AssignedAsync(ct);
        return Math.Min(highWaterMark, Release(assigned, highWaterMark));
    }

    /// <summary>Waits until the assigner passed <paramref name="position"/>; false when the wait ran out before that.</summary>
    public async Task<bool> WaitForAsync(long position, CancellationToken ct)
    {
        while (true)
        {
            var assigned = await AssignedAsync(ct);
            var released = Release(assigned, position);
            if (assigned >= position) return true;
            if (released >= position) return false;
            await Task.Delay(50, ct);
        }
    }

    /// <summary>
    /// Notes <paramref name="target"/> as waiting (from now, if new) and returns how far readers may go: the assigner's
    /// position, or further where the wait ran out.
    /// </summary>
    private long Release(long assigned, long target)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (assigned >= target)
            {
                _waiting.Clear();
                _warned = false;
                return assigned;
            }
            while (_waiting.TryPeek(out var oldest) && oldest.Position <= assigned) _waiting.Dequeue();
            if (target > _lastNoted)
            {
                _waiting.Enqueue((target, now));
                _lastNoted = target;
            }
            var released = _released;
            while (_waiting.TryPeek(out var oldest) && now - oldest.Since >= options.AlertWait)
            {
                released = Math.Max(released, oldest.Position);
                _waiting.Dequeue();
            }
            if (released > _released && released > assigned)
            {
                _released = released;
                Released.Add(1);
                if (!_warned)
                {
                    _warned = true;
                    AlertsLog.StoryAssignerBehind(logger, assigned, released, options.AlertWait);
                }
            }
            return Math.Max(_released, assigned);
        }
    }
}

/// <summary>
/// Names the story of each alert feed entry (its article's current story), read from the assigner's memberships.
/// The store is resolved on first use, for the reason given on <see cref="StoryProgress"/>.
/// </summary>
public sealed class StoryLinks(IServiceProvider services)
{
    public async Task<IReadOnlyList<AlertItem>> NameStoriesAsync(IReadOnlyList<AlertItem> items, CancellationToken ct)
    {
        if (items.Count == 0) return items;
        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        var stories = await StoriesOfAsync(session, items.Select(i => i.ArticleId), inStoryViewOnly: false, ct);
        return items.Select(i => stories.TryGetValue(i.ArticleId, out var story) ? i with { StoryId = story } : i).ToList();
    }

    /// <summary>
    /// Each article's current story (article id → story id), from the assigner's memberships. With
    /// <paramref name="inStoryViewOnly"/>, only stories the story projection has already written, so that every id returned
    /// opens at <c>/api/stories/{id}</c> (the assigner writes memberships before the projection catches up).
    /// </summary>
    public static async Task<Dictionary<string, string>> StoriesOfAsync(IQuerySession session, IEnumerable<string> articleIds,
        bool inStoryViewOnly, CancellationToken ct)
    {
        var ids = articleIds.Distinct().ToArray();
        if (ids.Length == 0) return [];
        var memberships = await session.LoadManyAsync<ArticleStory>(ct, ids);
        if (!inStoryViewOnly) return memberships.ToDictionary(m => m.Id, m => m.StoryId);
        var storyIds = memberships.Select(m => m.StoryId).Distinct().ToArray();
        var shown = storyIds.Length == 0
            ? []
            : (await session.Query<Story>().Where(s => storyIds.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct)).ToHashSet();
        return memberships.Where(m => shown.Contains(m.StoryId)).ToDictionary(m => m.Id, m => m.StoryId);
    }
}
