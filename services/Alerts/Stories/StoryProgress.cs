using Marten;
using Monitoring.Alerts.AlertFeed;
using Npgsql;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// How far the story assigner got, for the alert paths that name each alert's story: they read (or wait) only
/// up to that point, so an alert goes out with its <c>storyId</c>. Should the assigner stall — not move for
/// <see cref="StoryOptions.AssignerStallTimeout"/> while behind — alerts flow on without it (and a warning says so):
/// stories are an addition to alerts, never a reason to hold them back.
/// </summary>
/// <remarks>
/// The store is resolved on first use: the alert forwarder and webhook dispatcher depend on this, and the store
/// itself is built with them, so asking for it in the constructor would be a circular dependency.
/// </remarks>
public sealed class StoryProgress(IServiceProvider services, NpgsqlDataSource database, StoryOptions options, TimeProvider clock,
    ILogger<StoryProgress> logger)
{
    private readonly Lock _gate = new();
    private long _lastAssigned = -1;
    private DateTimeOffset? _behindSince;
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

    /// <summary>The position alert readers may advance to: the assigner's, or the high-water mark if it stalled.</summary>
    public async Task<long> SafePositionAsync(long highWaterMark, CancellationToken ct)
    {
        var assigned = await AssignedAsync(ct);
        return Stalled(assigned, highWaterMark) ? highWaterMark : Math.Min(assigned, highWaterMark);
    }

    /// <summary>Waits until the assigner passed <paramref name="position"/>; false when it stalled before that.</summary>
    public async Task<bool> WaitForAsync(long position, CancellationToken ct)
    {
        while (true)
        {
            var assigned = await AssignedAsync(ct);
            if (assigned >= position)
            {
                Stalled(assigned, position);
                return true;
            }
            if (Stalled(assigned, position)) return false;
            await Task.Delay(50, ct);
        }
    }

    private bool Stalled(long assigned, long target)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (assigned >= target)
            {
                _behindSince = null;
                _warned = false;
            }
            else if (_behindSince is null || assigned != _lastAssigned) _behindSince = now;
            _lastAssigned = assigned;
            var stalled = _behindSince is { } since && now - since > options.AssignerStallTimeout;
            if (stalled && !_warned)
            {
                _warned = true;
                AlertsLog.StoryAssignerStalled(logger, assigned, target, options.AssignerStallTimeout);
            }
            return stalled;
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
        var ids = items.Select(i => i.ArticleId).Distinct().ToArray();
        var stories = (await session.LoadManyAsync<ArticleStory>(ct, ids)).ToDictionary(a => a.Id, a => a.StoryId);
        return items.Select(i => stories.TryGetValue(i.ArticleId, out var story) ? i with { StoryId = story } : i).ToList();
    }
}
