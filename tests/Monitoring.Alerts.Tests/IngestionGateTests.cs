using System.Diagnostics;
using Monitoring.Alerts.Articles;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.Alerts.Tests;

/// <summary>
/// The ingestion gate on the real PostgreSQL, against a progression table of the test's own (the daemon's table, as the
/// gate reads it: the high-water mark and the alert forwarder's position).
/// </summary>
public sealed class IngestionGateTests : IAsyncLifetime
{
    private readonly PostgresSchema _schema = PostgresSchema.Create("gate");
    private NpgsqlDataSource _database = null!;

    public async Task InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(PostgresSchema.ConnectionString);
        await ExecuteAsync($"create schema {_schema.Name}; create table {_schema.Name}.mt_event_progression (name varchar primary key, last_seq_id bigint)");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _schema.DisposeAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private Task SetAsync(long highWater, long forwarded) => ExecuteAsync(
        $"insert into {_schema.Name}.mt_event_progression values ('HighWaterMark', {highWater}), ('alert-exchange:All', {forwarded}) " +
        "on conflict (name) do update set last_seq_id = excluded.last_seq_id");

    private IngestionGate Gate(long maxLag, TimeSpan? maxWait = null, TimeSpan? stalledAfter = null) =>
        new(_database, _schema.Name, TimeProvider.System, maxLag, maxWait ?? TimeSpan.FromSeconds(30), stalledAfter ?? TimeSpan.FromSeconds(3));

    [Fact]
    public async Task A_forwarder_within_the_lag_holds_nothing_back()
    {
        await SetAsync(highWater: 10_000, forwarded: 9_000);
        Assert.False(await Gate(maxLag: 5_000).WaitAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Recording_waits_while_a_moving_forwarder_is_far_behind_and_goes_on_once_it_is_back_within_the_lag()
    {
        await SetAsync(highWater: 100_000, forwarded: 50_000);
        var gate = Gate(maxLag: 20_000);
        var waiting = gate.WaitAsync(CancellationToken.None);
        // The forwarder catches up 10,000 events every 300 ms: 80,000 after four steps, within the lag.
        for (var forwarded = 60_000; forwarded <= 80_000; forwarded += 10_000)
        {
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted, $"recording went on with the forwarder {100_000 - forwarded + 10_000} events behind");
            await SetAsync(highWater: 100_000, forwarded: forwarded);
        }
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_stalled_forwarder_holds_nothing_back_for_long()
    {
        await SetAsync(highWater: 100_000, forwarded: 0);
        var watch = Stopwatch.StartNew();
        await Gate(maxLag: 20_000, stalledAfter: TimeSpan.FromSeconds(1)).WaitAsync(CancellationToken.None);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task No_batch_waits_longer_than_the_longest_wait_and_a_lag_of_zero_turns_the_gate_off()
    {
        await SetAsync(highWater: 100_000, forwarded: 0);
        Assert.False(await Gate(maxLag: 0).WaitAsync(CancellationToken.None));
        var gate = Gate(maxLag: 20_000, maxWait: TimeSpan.FromSeconds(1), stalledAfter: TimeSpan.FromMinutes(1));
        var watch = Stopwatch.StartNew();
        var keepMoving = Task.Run(async () =>
        {
            for (var i = 1; i <= 30 && watch.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                await SetAsync(highWater: 100_000 + i, forwarded: i);
                await Task.Delay(100);
            }
        });
        Assert.True(await gate.WaitAsync(CancellationToken.None));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        await keepMoving;
    }
}
