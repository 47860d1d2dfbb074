using System.Diagnostics;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Articles;
using Monitoring.Hosting;
using Npgsql;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Tests;

/// <summary>
/// New articles are written set-based (<see cref="NewArticleStreams"/>) rather than by Marten: these tests hold those
/// rows to what Marten writes itself and reads back, and the recorder to its idempotence under races.
/// </summary>
public sealed class NewArticleStreamTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private static readonly ActivityContext Trace = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    private async Task<int> RecordAsync(params Bus.ArticleClassified[] messages)
    {
        using var scope = store.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ArticleRecorder>()
            .RecordBatchAsync(messages.Select(m => new ClassifiedDelivery(m, Trace)).ToList(), CancellationToken.None);
    }

    /// <summary>The stream as Marten's own StartStream writes it, with the same trace header.</summary>
    private async Task StartStreamThroughMartenAsync(Bus.ArticleClassified message)
    {
        var traceParent = $"00-{Trace.TraceId}-{Trace.SpanId}-01";
        await using var session = store.Store.LightweightSession();
        var events = ArticleRecording.Decide(null, message).Select(data =>
        {
            var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
            e.SetHeader(MonitoringTelemetry.TraceParentHeader, traceParent);
            return (object)e;
        });
        session.Events.StartStream<ArticleDetails>(message.Article.ArticleId, events);
        await session.SaveChangesAsync();
    }

    /// <summary>Every column of the stream's rows in mt_streams, mt_events and the snapshot table, the stream id masked.</summary>
    private async Task<List<string>> RowsAsync(string id)
    {
        var schema = store.SchemaName;
        var rows = new List<string>();
        await using var connection = new NpgsqlConnection(Testing.PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
                 {
                     $"select type, version, tenant_id, compacted_version, is_archived, created is not null, timestamp is not null from {schema}.mt_streams where id = $1",
                     $"select version, data, bdata, type, tenant_id, mt_dotnet_type, headers, is_archived, timestamp is not null, id is not null, seq_id > 0 " +
                     $"from {schema}.mt_events where stream_id = $1 order by version",
                     $"select data, mt_version, mt_dotnet_type, mt_last_modified is not null from {schema}.mt_doc_articledetails where id = $1",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id } } };
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var columns = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i)));
                rows.Add(string.Join(" | ", columns).Replace(id, "ID"));
            }
        }
        return rows;
    }

    private async Task<IReadOnlyList<IEvent>> StreamAsync(string id)
    {
        await using var session = store.Store.QuerySession();
        return await session.Events.FetchStreamAsync(id);
    }

    [Fact]
    public async Task A_new_article_gets_exactly_the_rows_Marten_writes_for_a_new_stream()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var (set, marten) = (NewId(), NewId());
        Assert.Equal(1, await RecordAsync(Articles.Classified(set, classifiedAt: at)));
        await StartStreamThroughMartenAsync(Articles.Classified(marten, classifiedAt: at));

        var expected = await RowsAsync(marten);
        Assert.Equal(4, expected.Count);
        Assert.Equal(expected, await RowsAsync(set));
    }

    [Fact]
    public async Task Marten_reads_a_set_based_stream_back_events_versions_headers_and_snapshot()
    {
        var id = NewId();
        // Two revisions of a new article in one batch: one new stream of four events.
        Assert.Equal(2, await RecordAsync(Articles.Classified(id), Articles.Classified(id, revision: 2, title: "Edited")));

        var events = await StreamAsync(id);
        Assert.Equal(["article_fetched", "article_classified", "article_updated", "article_classified"], events.Select(e => e.EventTypeName));
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Version));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "sequence numbers follow versions");
        Assert.All(events, e => Assert.Equal(id, e.StreamKey));
        Assert.All(events, e => Assert.StartsWith($"00-{Trace.TraceId}-", (string)e.Headers![MonitoringTelemetry.TraceParentHeader].ToString()!));
        Assert.Equal("Edited", Assert.IsType<ArticleUpdated>(events[2].Data).Title);

        await using var session = store.Store.QuerySession();
        var state = await session.Events.FetchStreamStateAsync(id);
        Assert.Equal(4, state!.Version);
        Assert.Equal(typeof(ArticleDetails), state.AggregateType);
        var raw = await session.Events.QueryAllRawEvents().Where(e => e.StreamKey == id).OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(events.Select(e => e.Id), raw.Select(e => e.Id));

        var snapshot = await session.LoadAsync<ArticleDetails>(id);
        var aggregated = await session.Events.AggregateStreamAsync<ArticleDetails>(id);
        Assert.Equal(4, snapshot!.Version);
        Assert.Equal(JsonSerializer.Serialize(aggregated), JsonSerializer.Serialize(snapshot));
    }

    [Fact]
    public async Task Two_recorders_racing_on_the_same_new_articles_append_each_exactly_once()
    {
        var batch = Enumerable.Range(0, 40).Select(_ => Articles.Classified(NewId())).ToArray();
        var reversed = batch.Reverse().ToArray();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            try
            {
                return await RecordAsync(i % 2 == 0 ? batch : reversed);
            }
            catch (ExistingStreamIdCollisionException)
            {
                return 0; // after its own retries the bus's retry policy would take over; the next attempt appends nothing
            }
        })));

        Assert.Equal(batch.Length, results.Sum());
        foreach (var message in batch)
            Assert.Equal(["article_fetched", "article_classified"], (await StreamAsync(message.Article.ArticleId)).Select(e => e.EventTypeName));
    }

    [Fact]
    public async Task A_batch_mixing_new_known_and_redelivered_articles_appends_each_where_it_belongs()
    {
        var (known, redelivered, fresh, freshEdited) = (NewId(), NewId(), NewId(), NewId());
        Assert.Equal(2, await RecordAsync(Articles.Classified(known), Articles.Classified(redelivered)));

        Bus.ArticleClassified[] batch =
        [
            Articles.Classified(fresh),
            Articles.Classified(known, revision: 2, title: "Known, edited", primary: ["JP"]),
            Articles.Classified(redelivered),
            Articles.Classified(freshEdited, revision: 2, title: "Fresh, edited"),
            Articles.Classified(freshEdited),
        ];
        Assert.Equal(4, await RecordAsync(batch));
        Assert.Equal(0, await RecordAsync(batch));

        Assert.Equal(["article_fetched", "article_classified", "article_updated", "article_classified"],
            (await StreamAsync(known)).Select(e => e.EventTypeName));
        Assert.Equal(2, (await StreamAsync(redelivered)).Count);
        Assert.Equal(2, (await StreamAsync(fresh)).Count);
        Assert.Equal([1, 1, 2, 2], (await StreamAsync(freshEdited)).Select(e => e.Data switch
        {
            ArticleFetched f => f.Revision,
            ArticleUpdated u => u.Revision,
            IArticleClassification c => c.Revision,
            var other => throw new InvalidOperationException(other.GetType().Name),
        }));

        await using var session = store.Store.QuerySession();
        foreach (var (id, version, title) in new[] { (known, 4, "Known, edited"), (fresh, 2, null), (freshEdited, 4, "Fresh, edited") })
        {
            var snapshot = await session.LoadAsync<ArticleDetails>(id);
            Assert.Equal(version, snapshot!.Version);
            if (title is not null) Assert.Equal(title, snapshot.Title);
            Assert.Equal(JsonSerializer.Serialize(await session.Events.AggregateStreamAsync<ArticleDetails>(id)), JsonSerializer.Serialize(snapshot));
        }
        var classified = (ArticleClassified)(await StreamAsync(known))[3].Data;
        Assert.Equal(["JP", "EU"], classified.Previous.Countries);
    }

    [Fact]
    public async Task Writing_new_streams_notifies_the_daemon_from_the_writing_transaction_as_Marten_does()
    {
        await using var listener = new NpgsqlConnection(Testing.PostgresSchema.ConnectionString);
        await listener.OpenAsync();
        await using var writer = new NpgsqlConnection(Testing.PostgresSchema.ConnectionString);
        await writer.OpenAsync();
        // Other test classes append in other schemas of the same database: only the writer's own notification counts.
        var notified = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => { if (e.PID == writer.ProcessID) notified.TrySetResult(e.Channel); };
        await using (var listen = new NpgsqlCommand($"listen {NewArticleStreams.EventsAppendedChannel}", listener)) await listen.ExecuteNonQueryAsync();

        var id = NewId();
        var events = ArticleRecording.Decide(null, Articles.Classified(id));
        var snapshot = ArticleDetails.Create((ArticleFetched)events[0]);
        snapshot.Apply((ArticleClassified)events[1]);
        await using (var session = store.Store.LightweightSession())
        {
            var streams = new NewArticleStreams(store.Store, session.TenantId);
            streams.Add(id, events.Select(e => (e, (string?)null)).ToList(), snapshot);
            await using var transaction = await writer.BeginTransactionAsync();
            await streams.WriteAsync(writer, CancellationToken.None);
            await transaction.CommitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!notified.Task.IsCompleted) await listener.WaitAsync(timeout.Token);
        Assert.Equal(NewArticleStreams.EventsAppendedChannel, await notified.Task);
        Assert.Equal(2, (await StreamAsync(id)).Count);
    }

    [Fact]
    public void Event_and_document_JSON_carries_text_outside_ASCII_as_UTF8_not_escaped()
    {
        var json = store.Store.Options.Serializer().ToJson(new ArticleUpdated("a", 2, "Япония и ЕС", "日本とEUの防衛協定 — «pacte»", "https://x.example/é",
            null, DateTimeOffset.UnixEpoch, "h"));
        Assert.Contains("Япония и ЕС", json);
        Assert.Contains("日本とEUの防衛協定 — «pacte»", json);
        Assert.DoesNotContain("\\u", json);
    }

    [Fact]
    public async Task A_recorder_chosen_as_a_deadlock_victim_records_its_batch_in_a_new_transaction()
    {
        // The retry is counted (other tests of this process may add conflicts of their own: at least ours).
        var deadlocks = 0L;
        using var meter = new System.Diagnostics.Metrics.MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            // By name: the counter is published while ArticleRecorder's static fields are still being set.
            if (instrument.Name == "monitoring.articles.recording_conflicts" && instrument.Meter.Name == MonitoringTelemetry.Meter.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        meter.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "kind", Value: "deadlock" }) Interlocked.Add(ref deadlocks, value);
        });
        meter.Start();

        for (var scenario = 1; ; scenario++)
        {
            // Two known articles; the recorder appends to their streams in id order, A then B.
            var ids = new[] { NewId(), NewId() }.Order(StringComparer.Ordinal).ToArray();
            await RecordAsync(ids.Select(id => Articles.Classified(id)).ToArray());
            var (recorded, otherWasVictim) = await DeadlockWithTheRecorderAsync(ids);
            if (otherWasVictim)
            {
                // PostgreSQL looks for a deadlock once, a deadlock_timeout (1 s) after a wait begins: on a busy machine the
                // other side's request can come later than the recorder's one look, and the other side is the victim.
                Assert.True(scenario < 3, "the other transaction was the deadlock's victim three times");
                continue;
            }

            Assert.Equal(2, recorded);
            Assert.True(Interlocked.Read(ref deadlocks) >= 1, "the deadlock retry was not counted in monitoring.articles.recording_conflicts");
            foreach (var id in ids)
            {
                var events = await StreamAsync(id);
                Assert.Single(events, e => e.Data is ArticleUpdated);
                Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.Version));
            }
            return;
        }
    }

    /// <summary>
    /// Another writer takes B's stream row, lets the recorder take A's and wait for B, then asks for A: a deadlock. That
    /// side waits 30 s before it looks for one, so the recorder (1 s) finds it and is rolled back.
    /// </summary>
    private async Task<(int Recorded, bool OtherWasVictim)> DeadlockWithTheRecorderAsync(string[] ids)
    {
        var schema = store.SchemaName;
        await using var other = new NpgsqlConnection(Testing.PostgresSchema.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var patient = new NpgsqlCommand("set local deadlock_timeout = '30s'", other, transaction)) await patient.ExecuteNonQueryAsync();
        await using (var lockB = new NpgsqlCommand($"update {schema}.mt_streams set timestamp = now() where id = $1", other, transaction)
                     { Parameters = { new() { Value = ids[1] } } })
            await lockB.ExecuteNonQueryAsync();

        var recording = RecordAsync(ids.Select(id => Articles.Classified(id, revision: 2, title: "Updated")).ToArray());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await WaitingOnLocksAsync(other.ProcessID) == 0)
        {
            Assert.False(recording.IsCompleted, "the recorder should be waiting for B's row");
            Assert.True(DateTime.UtcNow < deadline, "the recorder never waited for B's row");
            await Task.Delay(20);
        }
        try
        {
            await using var lockA = new NpgsqlCommand($"update {schema}.mt_streams set timestamp = now() where id = $1", other, transaction)
                { Parameters = { new() { Value = ids[0] } } };
            await lockA.ExecuteNonQueryAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            await transaction.RollbackAsync();
            await recording;
            return (0, true);
        }
        await transaction.CommitAsync();
        return (await recording, false);
    }

    /// <summary>How many backends wait on a lock the given backend holds (the recorder, in the test above).</summary>
    private static async Task<long> WaitingOnLocksAsync(int holder)
    {
        await using var connection = new NpgsqlConnection(Testing.PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where $1 = any(pg_blocking_pids(pid))", connection)
            { Parameters = { new() { Value = holder } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
