using System.Buffers;
using System.Runtime.CompilerServices;
using JasperFx;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using Marten;
using Marten.Events;
using Marten.Schema;
using Npgsql;
using NpgsqlTypes;

namespace Monitoring.Alerts.Articles;

/// <summary>
/// Brand-new article streams written set-based: the <c>mt_streams</c> rows, the <c>mt_events</c> rows and the inline
/// <see cref="ArticleDetails"/> snapshots of a whole batch in four statements and one round trip, inside the caller's
/// transaction. Marten writes a new stream as one statement per stream and per event plus a document upsert per
/// stream; at 200 articles a batch those 800 statements were most of the time of an ingestion batch.
/// <para>
/// The rows are the ones Marten itself writes for <c>StartStream</c> in quick append mode (the same columns and
/// values: event type alias, .NET type, tenant, headers, a sequence number per event taken from
/// <c>mt_events_sequence</c> in stream and version order, the stream's version; the snapshot's data, version and
/// metadata columns), so the async daemon, its high-water mark, <c>FetchStream</c>, <c>AggregateStream</c> and
/// <c>QueryAllRawEvents</c> cannot tell them apart (tests compare them column by column). Like Marten's
/// <c>UseListenNotifyForEventAppends</c>, the batch ends with the notification that wakes the daemon.
/// </para>
/// A stream that another writer created first fails the insert into <c>mt_streams</c> on its primary key: that is
/// turned into the <see cref="ExistingStreamIdCollisionException"/> Marten raises for the same race, so the
/// recorder's conflict path re-reads and decides again.
/// </summary>
public sealed class NewArticleStreams(IDocumentStore store, string tenantId)
{
    /// <summary>The channel Marten notifies when <c>UseListenNotifyForEventAppends</c> is on (its own SQL uses this name).</summary>
    public const string EventsAppendedChannel = "mt_events_appended";

    private readonly Shape _shape = Shape.Of(store);
    private readonly List<(string Id, IReadOnlyList<(object Data, string? TraceParent)> Events, ArticleDetails Snapshot, DateTimeOffset Timestamp)> _streams = [];

    /// <summary>A new stream with its events in order and the snapshot they fold into.</summary>
    public void Add(string id, IReadOnlyList<(object Data, string? TraceParent)> events, ArticleDetails snapshot)
    {
        snapshot.Version = events.Count;
        _streams.Add((id, events, snapshot, DateTimeOffset.UtcNow));
    }

    /// <summary>Writes every stream added, in the connection's current transaction.</summary>
    /// <exception cref="ExistingStreamIdCollisionException">One of the streams exists already (another writer won).</exception>
    public async Task WriteAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (_streams.Count == 0) return;
        // Every writer inserts new streams in the same order, so two batches sharing new articles wait for each other
        // (and the later one then fails on the key) instead of deadlocking.
        _streams.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));

        var serializer = _shape.Serializer;
        // JSON goes to PostgreSQL as the UTF-8 the serializer writes, without a detour through .NET strings.
        var buffer = new ArrayBufferWriter<byte>(4096);
        byte[] Json(object value)
        {
            buffer.ResetWrittenCount();
            serializer.WriteToCleanJson(buffer, value);
            return buffer.WrittenSpan.ToArray();
        }
        var eventCount = _streams.Sum(s => s.Events.Count);
        var streamIds = new string[_streams.Count];
        var streamVersions = new long[_streams.Count];
        var snapshots = new byte[_streams.Count][];
        var eventData = new byte[eventCount][];
        var eventTypes = new string[eventCount];
        var eventDotNetTypes = new string[eventCount];
        var eventIds = new Guid[eventCount];
        var eventStreams = new string[eventCount];
        var eventVersions = new long[eventCount];
        var eventTimestamps = new DateTimeOffset[eventCount];
        var eventHeaders = new byte[]?[eventCount];
        var e = 0;
        for (var s = 0; s < _streams.Count; s++)
        {
            var (id, events, snapshot, timestamp) = _streams[s];
            streamIds[s] = id;
            streamVersions[s] = events.Count;
            snapshots[s] = Json(snapshot);
            for (var v = 0; v < events.Count; v++, e++)
            {
                var (data, traceParent) = events[v];
                var mapping = _shape.Mapping(data.GetType());
                eventData[e] = Json(data);
                eventTypes[e] = mapping.EventTypeName;
                eventDotNetTypes[e] = mapping.DotNetTypeName;
                eventIds[e] = Guid.NewGuid();
                eventStreams[e] = id;
                eventVersions[e] = v + 1;
                eventTimestamps[e] = timestamp;
                eventHeaders[e] = traceParent is null
                    ? null
                    : Json(new Dictionary<string, object> { [Hosting.MonitoringTelemetry.TraceParentHeader] = traceParent });
            }
        }

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(_shape.InsertStreams, streamIds, streamVersions, _shape.StreamType, tenantId),
                Command(_shape.InsertEvents, Jsonb(eventData), eventTypes, eventDotNetTypes, eventIds, eventStreams, eventVersions,
                    eventTimestamps, Jsonb(eventHeaders), tenantId),
                Command(_shape.UpsertSnapshots, streamIds, Jsonb(snapshots), streamVersions, _shape.SnapshotDotNetType),
                Command($"select pg_notify('{EventsAppendedChannel}', '')"),
            },
        };
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException x) when (x.SqlState == PostgresErrorCodes.UniqueViolation && x.TableName == "mt_streams")
        {
            throw new ExistingStreamIdCollisionException(x.Detail ?? $"one of {streamIds.Length} new articles", typeof(ArticleDetails));
        }
    }

    /// <summary>
    /// The event store settings that differ from those the set-based writers of <c>mt_streams</c> and <c>mt_events</c>
    /// (this one and <see cref="Stories.StoryStreams"/>) mirror: single tenancy, string stream ids, quick append, headers
    /// and no other metadata columns, no archived-stream partitioning. Empty when they write what Marten would.
    /// </summary>
    public static IEnumerable<string> EventSettingsChanged(EventGraph events) => new (string Setting, bool Differs)[]
    {
        ("event tenancy", events.TenancyStyle != TenancyStyle.Single),
        ("stream identity", events.StreamIdentity != StreamIdentity.AsString),
        ("append mode", events.AppendMode != EventAppendMode.Quick),
        ("event headers", !events.MetadataConfig.HeadersEnabled),
        ("event correlation id", events.MetadataConfig.CorrelationIdEnabled),
        ("event causation id", events.MetadataConfig.CausationIdEnabled),
        ("event user name", events.MetadataConfig.UserNameEnabled),
        ("archived stream partitioning", events.UseArchivedStreamPartitioning),
    }.Where(c => c.Differs).Select(c => c.Setting);

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    private static NpgsqlParameter Jsonb(byte[]?[] values) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    /// <summary>The store's names for tables, types and aliases, and the statements built from them; once per store.</summary>
    private sealed class Shape
    {
        private static readonly ConditionalWeakTable<IDocumentStore, Shape> Shapes = new();

        private readonly EventGraph _events;
        private readonly Dictionary<Type, EventMapping> _mappings = [];

        private Shape(IDocumentStore store)
        {
            _events = (EventGraph)store.Options.Events;
            var snapshot = store.Options.FindOrResolveDocumentType(typeof(ArticleDetails));
            // The statements below write exactly these columns. A change to how either table is configured (a duplicated
            // field, tenancy, soft deletes, optimistic concurrency, metadata columns) must be reflected here: fail loudly.
            var unexpected = EventSettingsChanged(_events).Concat(new (string Setting, bool Differs)[]
            {
                ("snapshot duplicated fields", snapshot.DuplicatedFields.Count > 0),
                ("snapshot tenancy", snapshot.TenancyStyle != TenancyStyle.Single),
                ("snapshot optimistic concurrency", snapshot.UseOptimisticConcurrency),
                ("snapshot soft deletes", snapshot is DocumentMapping { DeleteStyle: DeleteStyle.SoftDelete }),
                ("snapshot created at", snapshot.Metadata.CreatedAt.Enabled),
                ("snapshot correlation id", snapshot.Metadata.CorrelationId.Enabled),
                ("snapshot causation id", snapshot.Metadata.CausationId.Enabled),
                ("snapshot headers", snapshot.Metadata.Headers.Enabled),
                ("snapshot last modified by", snapshot.Metadata.LastModifiedBy.Enabled),
            }.Where(c => c.Differs).Select(c => c.Setting)).ToList();
            if (unexpected.Count > 0)
                throw new InvalidOperationException(
                    $"NewArticleStreams writes the event and snapshot tables as AlertsModule configures them; these settings changed: {string.Join(", ", unexpected)}.");

            Serializer = store.Options.Serializer();
            StreamType = _events.AggregateAliasFor(typeof(ArticleDetails));
            SnapshotDotNetType = typeof(ArticleDetails).FullName!;
            var schema = _events.DatabaseSchemaName;
            InsertStreams =
                $"insert into {schema}.mt_streams (id, type, version, tenant_id) " +
                "select s.id, $3, s.version, $4 from unnest($1::varchar[], $2::bigint[]) as s(id, version)";
            // Rows come out of unnest in array order, so sequence numbers follow stream and version order.
            InsertEvents =
                $"insert into {schema}.mt_events (data, type, mt_dotnet_type, bdata, id, stream_id, version, timestamp, tenant_id, headers, seq_id) " +
                $"select e.data, e.type, e.dotnet_type, null, e.id, e.stream_id, e.version, e.timestamp, $9, e.headers, nextval('{schema}.mt_events_sequence') " +
                "from unnest($1::jsonb[], $2::varchar[], $3::varchar[], $4::uuid[], $5::varchar[], $6::bigint[], $7::timestamptz[], $8::jsonb[]) " +
                "as e(data, type, dotnet_type, id, stream_id, version, timestamp, headers)";
            var table = snapshot.TableName.QualifiedName;
            // Marten's own upsert of an inline snapshot, for many rows: the version is the stream's.
            UpsertSnapshots =
                $"insert into {table} (id, data, mt_version, mt_dotnet_type, mt_last_modified) " +
                "select d.id, d.data, d.version, $4, transaction_timestamp() from unnest($1::varchar[], $2::jsonb[], $3::bigint[]) as d(id, data, version) " +
                "on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, " +
                "mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified";
        }

        public ISerializer Serializer { get; }
        public string StreamType { get; }
        public string SnapshotDotNetType { get; }
        public string InsertStreams { get; }
        public string InsertEvents { get; }
        public string UpsertSnapshots { get; }

        public static Shape Of(IDocumentStore store) => Shapes.GetValue(store, s => new Shape(s));

        public EventMapping Mapping(Type type)
        {
            lock (_mappings)
            {
                if (!_mappings.TryGetValue(type, out var mapping)) _mappings[type] = mapping = _events.EventMappingFor(type);
                return mapping;
            }
        }
    }
}
