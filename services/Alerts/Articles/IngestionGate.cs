using Npgsql;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Backpressure between the ends of the pipeline. While the alert forwarder (the daemon's <c>alert-exchange</c>
/// subscription, the last stage) is more than <see cref="MaxLag"/> events behind the store's high-water mark and still
/// moving, recording waits before each batch (up to <see cref="MaxWait"/> a batch). Under a surge the backlog then
/// stays in RabbitMQ's durable queues, where it costs nothing, instead of racing ahead into the store while the
/// projections, the story assigner and the forwarder starve for CPU: the machine's cores go to finishing articles, so
/// more of them reach their alerts per second and each alert's latency stays bounded. A forwarder that has not moved
/// for <see cref="StalledAfter"/> (a dead daemon, a daemon in another replica that stopped) holds nothing back.
/// <c>MONITORING_INGEST_MAX_LAG</c> sets the lag in events (default 20,000, about 9,000 articles); 0 turns this off.
/// </summary>
public sealed class IngestionGate
{
    public const long DefaultMaxLag = 20_000;
    private const string Forwarder = "alert-exchange:All";

    private readonly NpgsqlDataSource _database;
    private readonly string _table;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private (long HighWater, long Forwarded, DateTimeOffset ReadAt) _last;
    private (long Position, DateTimeOffset Since) _moved;

    public IngestionGate(NpgsqlDataSource database, string schema, TimeProvider clock, long maxLag,
        TimeSpan? maxWait = null, TimeSpan? stalledAfter = null)
    {
        _database = database;
        _table = $"{schema}.mt_event_progression";
        _clock = clock;
        MaxLag = maxLag;
        MaxWait = maxWait ?? TimeSpan.FromSeconds(10);
        StalledAfter = stalledAfter ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>Events the forwarder may be behind before recording waits; 0 or less: never waits.</summary>
    public long MaxLag { get; }

    /// <summary>The longest one batch waits.</summary>
    public TimeSpan MaxWait { get; }

    /// <summary>A forwarder whose position did not change for this long is taken as stopped: nothing waits for it.</summary>
    public TimeSpan StalledAfter { get; }

    /// <summary><c>MONITORING_INGEST_MAX_LAG</c>, or <see cref="DefaultMaxLag"/>.</summary>
    public static long LagSetting(IConfiguration configuration) => configuration.GetValue("MONITORING_INGEST_MAX_LAG", DefaultMaxLag);

    /// <summary>Returns at once, or when the forwarder is back within <see cref="MaxLag"/>, has stalled, or the wait ran out.</summary>
    /// <returns>True when it waited.</returns>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        if (MaxLag <= 0) return false;
        var started = _clock.GetUtcNow();
        var waited = false;
        while (true)
        {
            var (highWater, forwarded, stalled) = await ReadAsync(ct);
            if (highWater - forwarded <= MaxLag || stalled || _clock.GetUtcNow() - started >= MaxWait) return waited;
            waited = true;
            await Task.Delay(TimeSpan.FromMilliseconds(100), _clock, ct);
        }
    }

    private async Task<(long HighWater, long Forwarded, bool Stalled)> ReadAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        (long HighWater, long Forwarded, DateTimeOffset ReadAt) last;
        lock (_gate) last = _last;
        // Two batches recording at once share one reading a tenth of a second old.
        if (now - last.ReadAt > TimeSpan.FromMilliseconds(100))
        {
            await using var command = _database.CreateCommand(
                $"select coalesce(max(last_seq_id) filter (where name = 'HighWaterMark'), 0), " +
                $"coalesce(max(last_seq_id) filter (where name = '{Forwarder}'), 0) from {_table}");
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                last = (reader.GetInt64(0), reader.GetInt64(1), now);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                last = (0, 0, now); // a store not created yet has nothing to wait for
            }
            lock (_gate)
            {
                _last = last;
                if (last.Forwarded != _moved.Position || _moved.Since == default) _moved = (last.Forwarded, now);
            }
        }
        bool stalled;
        lock (_gate) stalled = now - _moved.Since >= StalledAfter;
        return (last.HighWater, last.Forwarded, stalled);
    }
}
