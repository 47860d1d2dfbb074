using Monitoring.FeedPoller.Registry;
using Npgsql;

namespace Monitoring.FeedPoller.Scheduling;

/// <summary>A feed this replica claimed, and the replica whose lease on it had run out, if any (a takeover).</summary>
public sealed record ClaimedFeed(FeedRecord Feed, string? TakenFrom);

/// <summary>A FeedPoller replica as the others see it.</summary>
public sealed record PollerReplica(string Replica, DateTimeOffset StartedAt, DateTimeOffset SeenAt, bool Live, int FeedsHeld);

/// <summary>
/// How N poller replicas on one schema share the feeds, through PostgreSQL only (no other coordinator):
/// <list type="bullet">
/// <item>A replica polls a feed only under a lease on it (<c>feeds.lease_owner</c>, <c>lease_until</c>), claimed
/// atomically when the feed is due and renewed while the replica lives; a replica that dies stops renewing, and
/// after at most <see cref="FeedPollerOptions.Lease"/> its feeds are claimable again.</item>
/// <item>Claims are whole hosts: a replica claims a due feed only while no other replica holds a lease on a feed of
/// the same host, so each host is polled by one replica at a time and that replica's <see cref="HostGate"/> keeps its
/// requests one at a time and spaced. Releasing a lease keeps the host resting for the spacing, for every replica.</item>
/// <item>Hosts are dealt out to the live replicas (those that renewed their row in <c>replicas</c> within a lease) in
/// turn, in the order of their hash, so each replica has its share of the hosts. A due feed waits for the replica
/// its host is dealt to for <see cref="ClaimGrace"/>; after that any replica takes it — a busy, slow or dead replica
/// holds nothing up for long. When replicas come or go the hosts are dealt again.</item>
/// </list>
/// Claims are serialised by a transaction-scoped advisory lock of the schema: they are short, and it makes the
/// "no other replica on this host" check exact. Times in leases are PostgreSQL's <c>now()</c>, so replicas' clocks need not agree.
/// </summary>
public sealed class FeedLeases(NpgsqlDataSource dataSource, FeedStore store, FeedPollerOptions options)
{
    /// <summary>How long a due feed waits for the replica its host is dealt to before any replica may take it.</summary>
    public static readonly TimeSpan ClaimGrace = TimeSpan.FromSeconds(2);

    private string S => '"' + store.Schema + '"';

    public string Replica => options.Replica;

    /// <summary>Says this replica is alive and renews its leases on the feeds it still holds.</summary>
    public async Task HeartbeatAsync(IReadOnlyCollection<string> held, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        var alive = new NpgsqlBatchCommand($"""
            insert into {S}.replicas (replica, started_at, seen_at) values (@me, now(), now())
            on conflict (replica) do update set seen_at = excluded.seen_at
            """);
        alive.Parameters.AddWithValue("me", options.Replica);
        batch.BatchCommands.Add(alive);
        if (held.Count > 0)
        {
            var renew = new NpgsqlBatchCommand($"update {S}.feeds set lease_until = now() + @lease where lease_owner = @me and id = any(@held)");
            renew.Parameters.AddWithValue("me", options.Replica);
            renew.Parameters.AddWithValue("lease", options.Lease);
            renew.Parameters.AddWithValue("held", held.ToArray());
            batch.BatchCommands.Add(renew);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Claims the due feeds of the hosts dealt to this replica, and those other replicas left waiting beyond the grace
    /// (at most <paramref name="limit"/>), leaving out those it already holds.
    /// </summary>
    public async Task<List<ClaimedFeed>> ClaimAsync(IReadOnlyCollection<string> held, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var serialise = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext(@key))", connection, transaction))
        {
            serialise.Parameters.AddWithValue("key", store.Schema + ".claims");
            await serialise.ExecuteNonQueryAsync(ct);
        }
        await using var claim = new NpgsqlCommand($"""
            with live as (
                select replica, row_number() over (order by replica) - 1 as slot, count(*) over () as replicas
                from {S}.replicas where seen_at > now() - @lease
            ), ranked as (
                select host, row_number() over (order by hashtext(host), host) - 1 as rank
                from (select distinct host from {S}.feeds where removed_at is null and not paused) watched
            ), preferred as (
                select r.host, l.replica from ranked r join live l on l.slot = r.rank % l.replicas
            ), claimable as (
                select f.id, f.next_poll_at, case when f.lease_until >= now() then null else f.lease_owner end as expired_owner
                from {S}.feeds f
                where f.removed_at is null and not f.paused and f.next_poll_at <= now()
                  and (f.lease_owner is null or f.lease_owner = @me or f.lease_until < now())
                  and not (f.id = any(@held))
                  and not exists (
                      select 1 from {S}.feeds busy
                      where busy.host = f.host and busy.lease_until >= now() and busy.lease_owner is distinct from @me)
                  and (f.next_poll_at < now() - @grace
                       or not exists (select 1 from preferred p where p.host = f.host and p.replica <> @me))
            ), chosen as (
                select id, expired_owner from claimable order by next_poll_at limit @limit
            )
            update {S}.feeds f set lease_owner = @me, lease_until = now() + @lease
            from chosen where f.id = chosen.id
            returning {FeedStore.FeedColumnsOf("f")}, chosen.expired_owner
            """, connection, transaction);
        claim.Parameters.AddWithValue("grace", ClaimGrace);
        claim.Parameters.AddWithValue("me", options.Replica);
        claim.Parameters.AddWithValue("lease", options.Lease);
        claim.Parameters.AddWithValue("held", held.ToArray());
        claim.Parameters.AddWithValue("limit", limit);
        var claimed = new List<ClaimedFeed>();
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var previous = reader.IsDBNull(18) ? null : reader.GetString(18);
                claimed.Add(new ClaimedFeed(FeedStore.ReadFeed(reader), previous == options.Replica ? null : previous));
            }
        }
        await transaction.CommitAsync(ct);
        return claimed;
    }

    /// <summary>
    /// Right before fetching: renews the lease and returns the feed as it stands, or null when this replica no longer
    /// holds it (its lease ran out and another replica took it) or it was paused or removed meanwhile.
    /// </summary>
    public async Task<FeedRecord?> ConfirmAsync(string id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            update {S}.feeds set lease_until = now() + @lease
            where id = @id and lease_owner = @me and removed_at is null and not paused
            returning {FeedStore.FeedColumns}
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("me", options.Replica);
        command.Parameters.AddWithValue("lease", options.Lease);
        return (await FeedStore.ReadFeedsAsync(command, ct)).SingleOrDefault();
    }

    /// <summary>Gives a polled feed back; its host rests for the spacing before any replica may claim it again.</summary>
    public async Task ReleaseAsync(string id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"update {S}.feeds set lease_owner = null, lease_until = now() + @spacing where id = @id and lease_owner = @me");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("me", options.Replica);
        command.Parameters.AddWithValue("spacing", options.HostSpacing);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>At a clean stop: every lease given back at once, so the other replicas need not wait for them to run out.</summary>
    public async Task ReleaseAllAsync(CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        var release = new NpgsqlBatchCommand($"update {S}.feeds set lease_owner = null, lease_until = null where lease_owner = @me");
        release.Parameters.AddWithValue("me", options.Replica);
        var leave = new NpgsqlBatchCommand($"delete from {S}.replicas where replica = @me");
        leave.Parameters.AddWithValue("me", options.Replica);
        batch.BatchCommands.Add(release);
        batch.BatchCommands.Add(leave);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// How long until a feed this replica does not hold may become claimable: its due time, or later when its host is
    /// leased by another replica or resting after a poll (then when that runs out). Null when nothing is scheduled.
    /// </summary>
    public async Task<TimeSpan?> NextDueInAsync(IReadOnlyCollection<string> held, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            with busy as (
                select host, max(lease_until) as until from {S}.feeds
                where lease_until is not null and lease_owner is distinct from @me
                group by host)
            select extract(epoch from min(greatest(f.next_poll_at, busy.until)) - now())
            from {S}.feeds f left join busy on busy.host = f.host
            where f.removed_at is null and not f.paused and not (f.id = any(@held))
            """);
        command.Parameters.AddWithValue("me", options.Replica);
        command.Parameters.AddWithValue("held", held.ToArray());
        return await command.ExecuteScalarAsync(ct) is decimal seconds ? TimeSpan.FromSeconds((double)Math.Max(0, seconds)) : null;
    }

    /// <summary>The replicas seen in the last day, live ones (seen within a lease) first.</summary>
    public async Task<List<PollerReplica>> ReplicasAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            select r.replica, r.started_at, r.seen_at, r.seen_at > now() - @lease,
                   (select count(*) from {S}.feeds f where f.lease_owner = r.replica and f.lease_until >= now())::int
            from {S}.replicas r order by 4 desc, r.started_at
            """);
        command.Parameters.AddWithValue("lease", options.Lease);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var replicas = new List<PollerReplica>();
        while (await reader.ReadAsync(ct))
        {
            replicas.Add(new PollerReplica(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetBoolean(3), reader.GetInt32(4)));
        }
        return replicas;
    }
}
