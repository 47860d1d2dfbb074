using System.Text.RegularExpressions;
using Monitoring.FeedPoller.Articles;
using Npgsql;
using NpgsqlTypes;

namespace Monitoring.FeedPoller.Registry;

/// <summary>What an operator can change of a watched feed through the API.</summary>
public enum FeedChange { Pause, Resume, PollNow }

/// <summary>
/// The poller's own PostgreSQL schema (<c>MONITORING_FEEDPOLLER_SCHEMA</c>, default <c>feedpoller</c>): the feed registry
/// with its fetch state (ETag, Last-Modified, schedule, failures), the articles published so far (id, revision, content
/// hash), what each feed last showed, and each feed's append-only history of polls and changes.
/// </summary>
public sealed partial class FeedStore(NpgsqlDataSource dataSource, string schema)
{
    public string Schema { get; } = ValidSchema(schema);

    private string S => '"' + Schema + '"';

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            create schema if not exists {S};
            create table if not exists {S}.feeds (
                id text primary key,
                url text not null unique,
                title text,
                language text,
                origin text not null,
                paused boolean not null default false,
                removed_at timestamptz,
                added_at timestamptz not null,
                next_poll_at timestamptz not null,
                etag text,
                last_modified text,
                interval_seconds integer,
                last_attempt_at timestamptz,
                last_success_at timestamptz,
                last_error text,
                last_status integer,
                consecutive_failures integer not null default 0,
                feed_title text,
                articles_published bigint not null default 0);
            create table if not exists {S}.articles (
                article_id text primary key,
                revision integer not null,
                content_hash text not null,
                first_seen_at timestamptz not null,
                updated_at timestamptz not null);
            create table if not exists {S}.feed_entries (
                feed_id text not null,
                article_id text not null,
                content_hash text not null,
                seen_at timestamptz not null,
                primary key (feed_id, article_id));
            create index if not exists feed_entries_by_content on {S}.feed_entries (feed_id, content_hash);
            create index if not exists feed_entries_by_age on {S}.feed_entries (seen_at);
            create table if not exists {S}.feed_history (
                id bigint generated always as identity primary key,
                feed_id text not null,
                at timestamptz not null,
                kind text not null,
                http_status integer,
                duration_ms integer,
                new_articles integer not null default 0,
                updated_articles integer not null default 0,
                detail text,
                next_poll_at timestamptz);
            create index if not exists feed_history_by_feed on {S}.feed_history (feed_id, id desc);
            create index if not exists feed_history_by_age on {S}.feed_history (at);
            alter table {S}.feeds add column if not exists host text;
            alter table {S}.feeds add column if not exists lease_owner text;
            alter table {S}.feeds add column if not exists lease_until timestamptz;
            create index if not exists feeds_due on {S}.feeds (next_poll_at) where removed_at is null and not paused;
            create index if not exists feeds_by_host on {S}.feeds (host, lease_until);
            alter table {S}.feed_history add column if not exists replica text;
            create table if not exists {S}.replicas (
                replica text primary key,
                started_at timestamptz not null,
                seen_at timestamptz not null);
            """;
        // Two replicas starting at once must not race on the DDL.
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext(@s))", connection))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            lockCommand.Transaction = transaction;
            lockCommand.Parameters.AddWithValue("s", Schema);
            await lockCommand.ExecuteNonQueryAsync(ct);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(ct);
            await BackfillHostsAsync(connection, transaction, ct);
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>Rows written before feeds carried their host (an upgrade) get it once; the host key is computed in .NET (IDN, file paths).</summary>
    private async Task BackfillHostsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var missing = new List<(string Id, string Host)>();
        await using (var select = new NpgsqlCommand($"select id, url from {S}.feeds where host is null", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) missing.Add((reader.GetString(0), FeedRecord.HostKeyFor(new Uri(reader.GetString(1)))));
        }
        if (missing.Count == 0) return;
        await using var update = new NpgsqlCommand($"update {S}.feeds f set host = m.host from unnest(@ids, @hosts) as m(id, host) where f.id = m.id",
            connection, transaction);
        update.Parameters.AddWithValue("ids", missing.Select(m => m.Id).ToArray());
        update.Parameters.AddWithValue("hosts", missing.Select(m => m.Host).ToArray());
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The columns <see cref="ReadFeed"/> reads, in its order.</summary>
    internal const string FeedColumns = """
        id, url, title, language, origin, paused, added_at, next_poll_at, etag, last_modified, interval_seconds,
        last_attempt_at, last_success_at, last_error, last_status, consecutive_failures, feed_title, articles_published
        """;

    /// <summary><see cref="FeedColumns"/> of a table alias, for statements joining other tables.</summary>
    internal static string FeedColumnsOf(string alias) => string.Join(", ", FeedColumns.Split(',').Select(c => alias + "." + c.Trim()));

    /// <summary>Every watched feed (not removed), as PostgreSQL has it now: what any replica wrote is what every replica reads.</summary>
    public async Task<List<FeedRecord>> LoadFeedsAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select {FeedColumns} from {S}.feeds where removed_at is null order by added_at, id");
        return await ReadFeedsAsync(command, ct);
    }

    public async Task<FeedRecord?> FindFeedAsync(string id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select {FeedColumns} from {S}.feeds where id = @id and removed_at is null");
        command.Parameters.AddWithValue("id", id);
        return (await ReadFeedsAsync(command, ct)).SingleOrDefault();
    }

    /// <summary>
    /// Adds a feed, or revives a removed one, with its history line; a feed that is already watched is returned unchanged
    /// (Created false). Atomic, so two replicas adding one address at once create it once.
    /// </summary>
    public async Task<(FeedRecord Feed, bool Created)> AddFeedAsync(FeedRecord feed, FeedHistoryEntry history, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var upsert = new NpgsqlBatch(connection, transaction))
        {
            upsert.BatchCommands.Add(UpsertFeed(feed, onlyIfRemoved: true));
            if (await upsert.ExecuteNonQueryAsync(ct) == 0)
            {
                await transaction.RollbackAsync(ct);
                return (await FindFeedAsync(feed.Id, ct) ?? feed, false);
            }
        }
        await ExecuteAsync(connection, transaction, InsertHistory(history), ct);
        await transaction.CommitAsync(ct);
        return (feed, true);
    }

    /// <summary>Marks a watched feed removed (its history stays); null when there is no such feed.</summary>
    public async Task<FeedRecord?> RemoveFeedAsync(string id, FeedHistoryEntry history, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var remove = new NpgsqlCommand(
            $"update {S}.feeds set removed_at = @at, lease_owner = null, lease_until = null where id = @id and removed_at is null returning {FeedColumns}",
            connection, transaction);
        remove.Parameters.AddWithValue("id", id);
        remove.Parameters.AddWithValue("at", history.At);
        var feed = (await ReadFeedsAsync(remove, ct)).SingleOrDefault();
        if (feed is null) return null;
        await ExecuteAsync(connection, transaction, InsertHistory(history), ct);
        await transaction.CommitAsync(ct);
        return feed;
    }

    /// <summary>Applies an operator's change to a watched feed, with its history line; null when there is no such feed.</summary>
    public async Task<FeedRecord?> ChangeFeedAsync(string id, FeedChange change, FeedHistoryEntry history, CancellationToken ct)
    {
        var set = change switch
        {
            FeedChange.Pause => "paused = true",
            FeedChange.Resume => "paused = false, next_poll_at = @at",
            FeedChange.PollNow => "next_poll_at = @at",
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var update = new NpgsqlCommand($"update {S}.feeds set {set} where id = @id and removed_at is null returning {FeedColumns}",
            connection, transaction);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("at", history.At);
        var feed = (await ReadFeedsAsync(update, ct)).SingleOrDefault();
        if (feed is null) return null;
        await ExecuteAsync(connection, transaction, InsertHistory(history with { NextPollAt = feed.Paused ? null : feed.NextPollAt }), ct);
        await transaction.CommitAsync(ct);
        return feed;
    }

    /// <summary>
    /// Brings the operator's list in: new outlines are added, changed titles or languages updated, outlines gone from
    /// the list removed; feeds removed through the API stay removed. One transaction under a lock of the schema, so
    /// replicas starting together apply the list once (the last one to start finds nothing left to do).
    /// Returns how many feeds are watched afterwards.
    /// </summary>
    public async Task<int> SyncListAsync(IReadOnlyList<FeedSubscription> listed, DateTimeOffset now, string listName, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext(@s))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("s", Schema);
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        var existing = new Dictionary<string, (string? Title, string? Language, string Origin, bool Removed)>();
        await using (var select = new NpgsqlCommand($"select id, title, language, origin, removed_at is not null from {S}.feeds", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                existing[reader.GetString(0)] = (Nullable<string>(reader, 1), Nullable<string>(reader, 2), reader.GetString(3), reader.GetBoolean(4));
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var listedIds = new HashSet<string>();
        foreach (var subscription in listed)
        {
            var id = FeedRecord.IdFor(subscription.Url);
            if (!listedIds.Add(id)) continue;
            if (existing.TryGetValue(id, out var known))
            {
                if (known.Removed) continue;
                if (known.Title == subscription.Title && known.Language == subscription.Language && known.Origin == ListOrigin) continue;
                var update = new NpgsqlBatchCommand($"update {S}.feeds set title = @title, language = @language, origin = @origin where id = @id");
                update.Parameters.AddWithValue("id", id);
                update.Parameters.AddWithValue("title", (object?)subscription.Title ?? DBNull.Value);
                update.Parameters.AddWithValue("language", (object?)subscription.Language ?? DBNull.Value);
                update.Parameters.AddWithValue("origin", ListOrigin);
                batch.BatchCommands.Add(update);
                continue;
            }
            var feed = new FeedRecord(id, subscription.Url, subscription.Title, subscription.Language, FeedOrigin.List, false, now, now);
            batch.BatchCommands.Add(UpsertFeed(feed));
            batch.BatchCommands.Add(InsertHistory(new FeedHistoryEntry(id, now, FeedHistoryEntry.Added, Detail: "from the feed list " + listName)));
        }
        var gone = existing.Where(e => !e.Value.Removed && e.Value.Origin == ListOrigin && !listedIds.Contains(e.Key)).Select(e => e.Key).ToList();
        foreach (var id in gone)
        {
            var remove = new NpgsqlBatchCommand($"update {S}.feeds set removed_at = @at, lease_owner = null, lease_until = null where id = @id");
            remove.Parameters.AddWithValue("id", id);
            remove.Parameters.AddWithValue("at", now);
            batch.BatchCommands.Add(remove);
            batch.BatchCommands.Add(InsertHistory(new FeedHistoryEntry(id, now, FeedHistoryEntry.Removed, Detail: "no longer in the feed list")));
        }
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
        await using var count = new NpgsqlCommand($"select count(*) from {S}.feeds where removed_at is null", connection, transaction);
        var watched = Convert.ToInt32(await count.ExecuteScalarAsync(ct));
        await transaction.CommitAsync(ct);
        return watched;
    }

    private static readonly string ListOrigin = FeedOrigin.List.ToString().ToLowerInvariant();

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlBatchCommand command, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads the rows of a command selecting (or returning) <see cref="FeedColumns"/>.</summary>
    internal static async Task<List<FeedRecord>> ReadFeedsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var feeds = new List<FeedRecord>();
        while (await reader.ReadAsync(ct)) feeds.Add(ReadFeed(reader));
        return feeds;
    }

    internal static FeedRecord ReadFeed(NpgsqlDataReader reader) => new(
        reader.GetString(0), new Uri(reader.GetString(1)), Nullable<string>(reader, 2), Nullable<string>(reader, 3),
        Enum.Parse<FeedOrigin>(reader.GetString(4), ignoreCase: true), reader.GetBoolean(5),
        reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
        Nullable<string>(reader, 8), Nullable<string>(reader, 9),
        reader.IsDBNull(10) ? null : TimeSpan.FromSeconds(reader.GetInt32(10)),
        NullableTime(reader, 11), NullableTime(reader, 12), Nullable<string>(reader, 13),
        reader.IsDBNull(14) ? null : reader.GetInt32(14), reader.GetInt32(15), Nullable<string>(reader, 16), reader.GetInt64(17));

    /// <summary>What is known about these articles, and what this feed showed of them (by id or by content).</summary>
    public async Task<(Dictionary<string, KnownArticle> Known, List<FeedEntrySeen> SeenByFeed)> LookupAsync(
        string feedId, IReadOnlyCollection<ArticleDraft> drafts, CancellationToken ct)
    {
        var known = new Dictionary<string, KnownArticle>();
        var seen = new List<FeedEntrySeen>();
        if (drafts.Count == 0) return (known, seen);
        var ids = drafts.Select(d => d.Id).Distinct().ToArray();
        var hashes = drafts.Select(d => d.ContentHash).Distinct().ToArray();
        await using var batch = dataSource.CreateBatch();
        var articles = new NpgsqlBatchCommand($"select article_id, revision, content_hash from {S}.articles where article_id = any(@ids)");
        articles.Parameters.AddWithValue("ids", ids);
        var entries = new NpgsqlBatchCommand(
            $"select article_id, content_hash, seen_at from {S}.feed_entries where feed_id = @feed and (article_id = any(@ids) or content_hash = any(@hashes))");
        entries.Parameters.AddWithValue("feed", feedId);
        entries.Parameters.AddWithValue("ids", ids);
        entries.Parameters.AddWithValue("hashes", hashes);
        batch.BatchCommands.Add(articles);
        batch.BatchCommands.Add(entries);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            known[reader.GetString(0)] = new KnownArticle(reader.GetString(0), reader.GetInt32(1), reader.GetString(2));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) seen.Add(new FeedEntrySeen(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        return (known, seen);
    }

    /// <summary>
    /// Everything one poll changed, in one transaction: the articles published (their revision and hash), what the feed
    /// showed, the feed's new fetch state and its history line. Called after publishing, so a crash in between republishes
    /// (harmless: consumers ignore a revision they have) rather than losing an article. Only the fetch state is written:
    /// a pause or title change made through any replica's API while the poll ran stays. Returns the feed as it now
    /// stands, or null when it was removed meanwhile (its articles and history are recorded all the same).
    /// </summary>
    public async Task<FeedRecord?> RecordPollAsync(FeedRecord feed, DeduplicationResult result, FeedHistoryEntry history, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (result.Publish.Count > 0)
        {
            var articles = new NpgsqlBatchCommand($"""
                insert into {S}.articles (article_id, revision, content_hash, first_seen_at, updated_at)
                select id, revision, hash, @at, @at from unnest(@ids, @revisions, @hashes) as a(id, revision, hash)
                on conflict (article_id) do update set revision = excluded.revision, content_hash = excluded.content_hash, updated_at = excluded.updated_at
                where {S}.articles.revision < excluded.revision
                """);
            articles.Parameters.AddWithValue("at", history.At);
            articles.Parameters.AddWithValue("ids", result.Publish.Select(p => p.Draft.Id).ToArray());
            articles.Parameters.AddWithValue("revisions", result.Publish.Select(p => p.Revision).ToArray());
            articles.Parameters.AddWithValue("hashes", result.Publish.Select(p => p.Draft.ContentHash).ToArray());
            batch.BatchCommands.Add(articles);
        }
        if (result.Seen.Count > 0)
        {
            var entries = new NpgsqlBatchCommand($"""
                insert into {S}.feed_entries (feed_id, article_id, content_hash, seen_at)
                select @feed, id, hash, @at from unnest(@ids, @hashes) as e(id, hash)
                on conflict (feed_id, article_id) do update set content_hash = excluded.content_hash, seen_at = excluded.seen_at
                """);
            entries.Parameters.AddWithValue("feed", feed.Id);
            entries.Parameters.AddWithValue("at", history.At);
            entries.Parameters.AddWithValue("ids", result.Seen.Select(d => d.Id).ToArray());
            entries.Parameters.AddWithValue("hashes", result.Seen.Select(d => d.ContentHash).ToArray());
            batch.BatchCommands.Add(entries);
        }
        batch.BatchCommands.Add(InsertHistory(history));
        batch.BatchCommands.Add(UpdateFeedState(feed));
        FeedRecord? stands = null;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            do
            {
                while (await reader.ReadAsync(ct))
                {
                    if (reader.FieldCount > 18 && !reader.GetBoolean(18)) stands = ReadFeed(reader);
                }
            } while (await reader.NextResultAsync(ct));
        }
        await transaction.CommitAsync(ct);
        return stands;
    }

    /// <summary>
    /// A poll that broke off on the store or the bus (not the feed's fault): try again at <paramref name="retryAt"/>.
    /// Returns the feed as it now stands, or null when it was removed.
    /// </summary>
    public async Task<FeedRecord?> RecordPollCrashAsync(string id, DateTimeOffset at, string error, DateTimeOffset retryAt, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            update {S}.feeds set next_poll_at = @retry, last_attempt_at = @at, last_error = @error, consecutive_failures = consecutive_failures + 1
            where id = @id and removed_at is null returning {FeedColumns}
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("retry", retryAt);
        return (await ReadFeedsAsync(command, ct)).SingleOrDefault();
    }

    /// <summary>The latest history lines of a feed, newest first.</summary>
    public async Task<List<FeedHistoryEntry>> HistoryAsync(string feedId, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            select feed_id, at, kind, http_status, duration_ms, new_articles, updated_articles, detail, next_poll_at, replica
            from {S}.feed_history where feed_id = @feed order by id desc limit @limit
            """);
        command.Parameters.AddWithValue("feed", feedId);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var history = new List<FeedHistoryEntry>();
        while (await reader.ReadAsync(ct))
        {
            history.Add(new FeedHistoryEntry(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.GetInt32(5), reader.GetInt32(6), Nullable<string>(reader, 7), NullableTime(reader, 8), Nullable<string>(reader, 9)));
        }
        return history;
    }

    /// <summary>Forgets history and per-feed entries older than the retention, so the schema does not grow without bound.</summary>
    public async Task PruneAsync(TimeSpan historyRetention, TimeSpan entryRetention, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        var history = new NpgsqlBatchCommand($"delete from {S}.feed_history where at < @before");
        history.Parameters.AddWithValue("before", now - historyRetention);
        var entries = new NpgsqlBatchCommand($"delete from {S}.feed_entries where seen_at < @before");
        entries.Parameters.AddWithValue("before", now - entryRetention);
        var replicas = new NpgsqlBatchCommand($"delete from {S}.replicas where seen_at < @before");
        replicas.Parameters.AddWithValue("before", now - TimeSpan.FromDays(1));
        batch.BatchCommands.Add(history);
        batch.BatchCommands.Add(entries);
        batch.BatchCommands.Add(replicas);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Inserts a feed row; on an existing id replaces it — or, with <paramref name="onlyIfRemoved"/>, only revives a removed one.</summary>
    private NpgsqlBatchCommand UpsertFeed(FeedRecord feed, bool onlyIfRemoved = false)
    {
        var command = new NpgsqlBatchCommand($"""
            insert into {S}.feeds (id, url, title, language, origin, paused, removed_at, added_at, next_poll_at, etag, last_modified,
                interval_seconds, last_attempt_at, last_success_at, last_error, last_status, consecutive_failures, feed_title, articles_published, host)
            values (@id, @url, @title, @language, @origin, @paused, null, @added_at, @next_poll_at, @etag, @last_modified,
                @interval, @last_attempt_at, @last_success_at, @last_error, @last_status, @failures, @feed_title, @published, @host)
            on conflict (id) do update set url = excluded.url, title = excluded.title, language = excluded.language,
                origin = excluded.origin, paused = excluded.paused, removed_at = null, next_poll_at = excluded.next_poll_at,
                etag = excluded.etag, last_modified = excluded.last_modified, interval_seconds = excluded.interval_seconds,
                last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at, last_error = excluded.last_error,
                last_status = excluded.last_status, consecutive_failures = excluded.consecutive_failures,
                feed_title = excluded.feed_title, articles_published = excluded.articles_published, host = excluded.host,
                lease_owner = null, lease_until = null
            {(onlyIfRemoved ? $"where {S}.feeds.removed_at is not null" : "")}
            """);
        AddFeedParameters(command, feed);
        command.Parameters.AddWithValue("host", feed.HostKey);
        command.Parameters.AddWithValue("url", feed.Url.IsFile ? feed.Url.AbsoluteUri : feed.Url.OriginalString);
        command.Parameters.AddWithValue("origin", feed.Origin.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("added_at", feed.AddedAt);
        command.Parameters.AddWithValue("title", (object?)feed.Title ?? DBNull.Value);
        command.Parameters.AddWithValue("language", (object?)feed.Language ?? DBNull.Value);
        return command;
    }

    private NpgsqlBatchCommand UpdateFeedState(FeedRecord feed)
    {
        // Only the fetch state: a pause or removal made through the API while the poll ran must not be overwritten.
        var command = new NpgsqlBatchCommand($"""
            update {S}.feeds set next_poll_at = @next_poll_at, etag = @etag, last_modified = @last_modified, interval_seconds = @interval,
                last_attempt_at = @last_attempt_at, last_success_at = @last_success_at, last_error = @last_error, last_status = @last_status,
                consecutive_failures = @failures, feed_title = @feed_title, articles_published = @published
            where id = @id
            returning {FeedColumns}, removed_at is not null
            """);
        AddFeedParameters(command, feed);
        return command;
    }

    private static void AddFeedParameters(NpgsqlBatchCommand command, FeedRecord feed)
    {
        command.Parameters.AddWithValue("id", feed.Id);
        command.Parameters.AddWithValue("paused", feed.Paused);
        command.Parameters.AddWithValue("next_poll_at", feed.NextPollAt);
        command.Parameters.AddWithValue("etag", (object?)feed.ETag ?? DBNull.Value);
        command.Parameters.AddWithValue("last_modified", (object?)feed.LastModified ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter("interval", NpgsqlDbType.Integer) { Value = feed.Interval is { } i ? (int)i.TotalSeconds : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("last_attempt_at", NpgsqlDbType.TimestampTz) { Value = (object?)feed.LastAttemptAt ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("last_success_at", NpgsqlDbType.TimestampTz) { Value = (object?)feed.LastSuccessAt ?? DBNull.Value });
        command.Parameters.AddWithValue("last_error", (object?)feed.LastError ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter("last_status", NpgsqlDbType.Integer) { Value = (object?)feed.LastStatus ?? DBNull.Value });
        command.Parameters.AddWithValue("failures", feed.ConsecutiveFailures);
        command.Parameters.AddWithValue("feed_title", (object?)feed.FeedTitle ?? DBNull.Value);
        command.Parameters.AddWithValue("published", feed.ArticlesPublished);
    }

    private NpgsqlBatchCommand InsertHistory(FeedHistoryEntry entry)
    {
        var command = new NpgsqlBatchCommand($"""
            insert into {S}.feed_history (feed_id, at, kind, http_status, duration_ms, new_articles, updated_articles, detail, next_poll_at, replica)
            values (@feed, @at, @kind, @status, @duration, @new, @updated, @detail, @next, @replica)
            """);
        command.Parameters.AddWithValue("replica", (object?)entry.Replica ?? DBNull.Value);
        command.Parameters.AddWithValue("feed", entry.FeedId);
        command.Parameters.AddWithValue("at", entry.At);
        command.Parameters.AddWithValue("kind", entry.Kind);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Integer) { Value = (object?)entry.HttpStatus ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("duration", NpgsqlDbType.Integer) { Value = (object?)entry.DurationMs ?? DBNull.Value });
        command.Parameters.AddWithValue("new", entry.NewArticles);
        command.Parameters.AddWithValue("updated", entry.UpdatedArticles);
        command.Parameters.AddWithValue("detail", (object?)entry.Detail ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter("next", NpgsqlDbType.TimestampTz) { Value = (object?)entry.NextPollAt ?? DBNull.Value });
        return command;
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int ordinal) where T : class =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static string ValidSchema(string name) =>
        SchemaName().IsMatch(name) ? name : throw new InvalidOperationException($"MONITORING_FEEDPOLLER_SCHEMA '{name}' is not a plain identifier");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
