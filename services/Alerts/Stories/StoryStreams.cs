using JasperFx.Events;
using Marten;
using Marten.Events;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// A page's story events appended set-based, in the assigner's session: one statement creates the new stories' streams,
/// one appends every event — bumping the existing streams' versions in the same statement — and the daemon is notified,
/// instead of Marten's one function call (existing stream) or several statements (new stream) per story. The rows are
/// those Marten writes in quick append mode (as <see cref="Articles.NewArticleStreams"/> does for articles): event type
/// alias, .NET type, tenant, versions in stream order, one sequence number per event in the order given.
/// </summary>
/// <remarks>
/// Only the story assigner writes story streams (one leads at a time, and its checkpoint's revision stops a second one
/// from committing), so the existing streams' versions need no optimistic check: they are bumped where they stand.
/// </remarks>
public static class StoryStreams
{
    /// <summary>Queues the statements that append <paramref name="streams"/> (each stream's events in order) in the session's transaction.</summary>
    public static void QueueAppend(IDocumentSession session, IReadOnlyList<(string StoryId, bool New, IReadOnlyList<object> Events)> streams)
    {
        if (streams.Count == 0) return;
        var events = (EventGraph)session.DocumentStore.Options.Events;
        if (Articles.NewArticleStreams.EventSettingsChanged(events).ToList() is { Count: > 0 } changed)
            throw new InvalidOperationException(
                $"StoryStreams writes the event tables as AlertsModule configures them; these settings changed: {string.Join(", ", changed)}.");
        var schema = events.DatabaseSchemaName;
        var serializer = session.DocumentStore.Options.Serializer();

        var created = streams.Where(s => s.New).ToList();
        if (created.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {schema}.mt_streams (id, type, version, tenant_id) select s.id, ?, s.version, ? from unnest(?::varchar[], ?::bigint[]) as s(id, version)",
                events.AggregateAliasFor(typeof(Story)), session.TenantId,
                created.Select(s => s.StoryId).ToArray(), created.Select(s => (long)s.Events.Count).ToArray());
        }
        var existing = streams.Where(s => !s.New).ToList();

        var rows = streams.SelectMany(s => s.Events.Select((data, i) => (s.StoryId, Nth: (long)i + 1, Data: data))).ToList();
        var mappings = new Dictionary<Type, EventMapping>();
        EventMapping Mapping(Type type) => mappings.TryGetValue(type, out var m) ? m : mappings[type] = events.EventMappingFor(type);
        // The rows in the order given get sequence numbers in that order: the subquery's sort is what the outer select reads.
        session.QueueSqlCommand($"""
            with bumped as (
                update {schema}.mt_streams as s set version = s.version + u.count, timestamp = transaction_timestamp()
                from unnest(?::varchar[], ?::bigint[]) as u(id, count)
                where s.id = u.id
                returning s.id, s.version - u.count as base
            )
            insert into {schema}.mt_events (data, type, mt_dotnet_type, bdata, id, stream_id, version, timestamp, tenant_id, headers, seq_id)
            select e.data, e.type, e.dotnet_type, null, e.id, e.stream_id, e.version, transaction_timestamp(), ?, null, nextval('{schema}.mt_events_sequence')
            from (
                select r.data, r.type, r.dotnet_type, r.id, r.stream_id, coalesce(b.base, 0) + r.nth as version, r.ord
                from unnest(?::jsonb[], ?::varchar[], ?::varchar[], ?::uuid[], ?::varchar[], ?::bigint[])
                    with ordinality as r(data, type, dotnet_type, id, stream_id, nth, ord)
                left join bumped as b on b.id = r.stream_id
                order by r.ord
            ) as e
            """,
            existing.Select(s => s.StoryId).ToArray(), existing.Select(s => (long)s.Events.Count).ToArray(),
            session.TenantId,
            rows.Select(r => serializer.ToJson(r.Data)).ToArray(),
            rows.Select(r => Mapping(r.Data.GetType()).EventTypeName).ToArray(),
            rows.Select(r => Mapping(r.Data.GetType()).DotNetTypeName).ToArray(),
            rows.Select(_ => Guid.NewGuid()).ToArray(),
            rows.Select(r => r.StoryId).ToArray(),
            rows.Select(r => r.Nth).ToArray());
        // The notification that wakes the daemon, as Marten sends it after appends.
        session.QueueOperation(new NotifyEventsAppended());
    }
}

/// <summary>
/// Marten's own notification after appends (its operation is internal): a statement that returns no result set, so the
/// session's batch reads every other operation's results as usual.
/// </summary>
internal sealed class NotifyEventsAppended : Marten.Internal.Operations.IStorageOperation, Weasel.Storage.NoDataReturnedCall
{
    public Type DocumentType => typeof(IEvent);

    public void ConfigureCommand(Weasel.Postgresql.ICommandBuilder builder, Weasel.Storage.IStorageSession session) =>
        builder.Append($"DO $$ BEGIN PERFORM pg_notify('{Articles.NewArticleStreams.EventsAppendedChannel}', ''); END $$");

    public Task PostprocessAsync(System.Data.Common.DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

    public Weasel.Core.OperationRole Role() => Weasel.Core.OperationRole.Events;
}
