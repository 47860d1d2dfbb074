using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// Assigns every classified article to a story, asynchronously and in event-store order, behind the write path: it
/// reads article events up to the daemon's high-water mark (so none that commits late is skipped), lets the
/// <see cref="StoryEngine"/> decide, and appends the story events together with the engine's memory documents and
/// its checkpoint in one transaction. A crash therefore loses or repeats nothing, and a restarted assigner takes up
/// exactly the state it committed. One assigner runs per store (a PostgreSQL advisory lock); the checkpoint's
/// numeric revision stops a second one from committing the same page should two ever believe they lead.
/// </summary>
public sealed class StoryAssigner(
    IDocumentStore store, NpgsqlDataSource database, AlertFeedReader feed, StoryOptions options, ArticleFingerprinter fingerprinter,
    IConfiguration configuration, ILogger<StoryAssigner> logger)
    : SingleWriterLoop(database, "monitoring-story-assigner", store.Options.DatabaseSchemaName)
{
    /// <summary>Classification events read per page at most (a page is one transaction), with the article texts between them.</summary>
    private int PageSize => options.PageSize;

    private static readonly Counter<long> Assigned =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.stories.assigned", description: "Classification events the story assigner processed");
    private static readonly Counter<long> Recorded =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.stories.events", description: "Story events recorded, by type");

    private StoryEngine? _engine;
    private StoryAssignerCheckpoint? _checkpoint;
    // The next page, being read (and fingerprinted) while the current one is assigned and written: only behind a backlog.
    private (long From, Task<StoryPage?> Page)? _next;
    // Stories the engine holds that are still stored with their members inline (written before members had documents).
    private readonly HashSet<string> _inline = new(StringComparer.Ordinal);

    private TimeSpan Interval => TimeSpan.FromMilliseconds(configuration.GetValue("MONITORING_STORY_POLL_MS", 100));

    protected override async Task<bool> WorkOnceAsync(CancellationToken ct) => await RunOnceAsync(ct) > 0;

    protected override Task IdleAsync(CancellationToken ct) => Task.Delay(Interval, ct);

    protected override void OnFailed(Exception exception)
    {
        // Whatever failed, the memory may be ahead of what was committed: start again from the store.
        _engine = null;
        DropNextPage();
        AlertsLog.StoryAssignerFailed(logger, exception);
    }

    /// <summary>Drops the memory: the next page starts from what the store holds, as after a restart.</summary>
    public void Forget()
    {
        _engine = null;
        DropNextPage();
    }

    /// <summary>Assigns one page of article events, if any are waiting; returns how many events it read.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        if (_engine is null) await LoadAsync(ct);
        var from = _checkpoint?.Position ?? 0;
        var started = Stopwatch.GetTimestamp();
        StoryPage? page;
        if (_next is { } next && next.From == from)
        {
            _next = null;
            page = await next.Page;
        }
        else
        {
            DropNextPage();
            page = await ReadPageAsync(from, ct);
        }
        if (page is null) return 0;
        // Behind a backlog (a full page), the next page is read while this one is assigned and written: reading and
        // fingerprinting were a third to a half of a page's time, and a serial assigner fell seconds behind at 1,000
        // articles/s. The next page starts where this one ends, which is where its checkpoint will be.
        if (page.Full) _next = (page.ReadUpTo, ReadPageAsync(page.ReadUpTo, ct));
        try
        {
            var (recorded, assigned, written) = await AssignAsync(page, ct);
            AlertsLog.StoryPageAssigned(logger, from, page.ReadUpTo, page.Events, recorded, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                page.Read.TotalMilliseconds, assigned.TotalMilliseconds, written.TotalMilliseconds, page.NewestAge.TotalMilliseconds);
        }
        catch
        {
            _engine = null;
            DropNextPage();
            throw;
        }
        return Math.Max(page.Events, 1);
    }

    /// <summary>Forgets the page being read ahead (its failure, if it fails, is observed and dropped with it).</summary>
    private void DropNextPage()
    {
        if (_next is not { } next) return;
        _next = null;
        _ = next.Page.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>
    /// A page of article events, up to <see cref="ReadUpTo"/>: its classifications with their fingerprints, and the
    /// articles whose streams start on it (so have no story to look up yet).
    /// </summary>
    /// <param name="Full">The page holds a page size of classifications: more are waiting beyond it.</param>
    private sealed record StoryPage(long ReadUpTo, int Events, StoryInput[] Inputs, HashSet<string> NewArticles, TimeSpan Read, TimeSpan NewestAge, bool Full);

    private async Task<StoryPage?> ReadPageAsync(long from, CancellationToken ct)
    {
        var safe = await feed.HighWaterMarkAsync(ct);
        if (safe <= from) return null;

        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<IEvent> events;
        await using (var query = store.QuerySession())
        {
            events = await query.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > from && e.Sequence <= safe)
                .Where(e => e.EventTypesAre(typeof(ArticleClassified), typeof(ArticleReclassified)))
                .OrderBy(e => e.Sequence)
                .Take(PageSize)
                .ToListAsync(ct);
        }
        var readUpTo = events.Count == PageSize ? events[^1].Sequence : safe;
        // The texts come straight from the table, as text: the whole article events (every field as JSON, then as objects)
        // cost both PostgreSQL and this process more than the rest of the page together. Not cut to the fingerprint's
        // head in SQL: left() counts the characters of the whole text, which costs PostgreSQL more than sending it.
        var textEvents = await TextsBetweenAsync(from, readUpTo, ct);
        var newestAge = events.Count == 0 ? TimeSpan.Zero : DateTimeOffset.UtcNow - events.Max(e => e.Timestamp);

        // In store order, each classification takes the latest text of its article recorded before it.
        var classifications = new List<(long Position, IArticleClassification Event, string? Text)>(events.Count);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var newArticles = new HashSet<string>(StringComparer.Ordinal);
        var next = 0;
        foreach (var e in events)
        {
            for (; next < textEvents.Count && textEvents[next].Position < e.Sequence; next++) Take(textEvents[next]);
            if (e.Data is IArticleClassification classification)
                classifications.Add((e.Sequence, classification, texts.GetValueOrDefault(classification.ArticleId)));
        }
        for (; next < textEvents.Count; next++) Take(textEvents[next]);

        void Take(ArticleText text)
        {
            texts[text.ArticleId] = text.Text;
            if (text.Fetched) newArticles.Add(text.ArticleId);
        }

        var missingTexts = classifications.Where(c => c.Text is null && c.Event.Alert().Countries.Count > 0).Select(c => c.Event.ArticleId).Distinct().ToArray();
        var earlierTexts = missingTexts.Length == 0 ? [] : await TextsBeforeAsync(missingTexts, from, ct);

        var inputs = new StoryInput[classifications.Count];
        Parallel.For(0, classifications.Count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var (position, classification, text) = classifications[i];
            text ??= earlierTexts.GetValueOrDefault(classification.ArticleId);
            var fingerprint = classification.Alert().Countries.Count > 0 && text is not null
                ? fingerprinter.Fingerprint(classification.Language, classification.Title, text)
                : null;
            inputs[i] = new StoryInput(position, classification, fingerprint);
        });
        return new StoryPage(readUpTo, events.Count + textEvents.Count, inputs, newArticles, Stopwatch.GetElapsedTime(started), newestAge,
            Full: events.Count == PageSize);
    }

    /// <summary>Decides the page's story events and writes them with the engine's memory and the checkpoint, in one transaction.</summary>
    private async Task<(int Recorded, TimeSpan Assigned, TimeSpan Written)> AssignAsync(StoryPage page, CancellationToken ct)
    {
        var engine = _engine!;
        var started = Stopwatch.GetTimestamp();
        await PreloadAsync(engine, page.Inputs.Select(i => i.Classification.ArticleId).Where(id => !page.NewArticles.Contains(id)), ct);

        var decisions = new List<StoryDecision>();
        foreach (var input in page.Inputs)
        {
            if (input.Fingerprint is null && engine.NeedsFingerprint(input.Classification))
            {
                // The article's text event is missing (it cannot be, short of a damaged store): assign on the title alone.
                AlertsLog.StoryTextMissing(logger, input.Classification.ArticleId, input.Position);
                decisions.AddRange(engine.Process(input with
                {
                    Fingerprint = fingerprinter.Fingerprint(input.Classification.Language, input.Classification.Title, ""),
                }));
                continue;
            }
            decisions.AddRange(engine.Process(input));
        }
        var changes = engine.TakeChanges();
        var assigned = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        await using var session = store.LightweightSession();
        StoryStreams.QueueAppend(session, decisions.GroupBy(d => d.StoryId)
            .Select(stream => (stream.Key, stream.First().Event is StoryStarted, (IReadOnlyList<object>)stream.Select(d => (object)d.Event).ToList()))
            .ToList());
        // Stories without their members; the members that changed (all of them for a story still stored the old way).
        QueueUpsert(session, changes.Stories.Select(s => s.WithoutMembers()).ToList(), s => s.Id,
            ("last_seen", "timestamptz", changes.Stories.Select(s => s.LastSeen.ToUniversalTime()).ToArray()));
        var members = changes.Members.Concat(changes.Stories.Where(s => _inline.Contains(s.Id)).SelectMany(s => s.Members))
            .DistinctBy(m => m.Id).ToList();
        QueueUpsert(session, members, m => m.Id, ("story_id", "varchar", members.Select(m => m.StoryId).ToArray()));
        QueueUpsert(session, changes.Articles, a => a.Id);
        QueueUpsert(session, changes.Cells, c => c.Id);
        if (_checkpoint is null)
        {
            _checkpoint = new StoryAssignerCheckpoint { Position = page.ReadUpTo, Clock = changes.Clock, Version = 1 };
            session.Insert(_checkpoint);
        }
        else
        {
            _checkpoint.Position = page.ReadUpTo;
            _checkpoint.Clock = changes.Clock;
            session.UpdateRevision(_checkpoint, _checkpoint.Version + 1);
        }
        await session.SaveChangesAsync(ct);
        foreach (var story in changes.Stories) _inline.Remove(story.Id);

        Assigned.Add(page.Inputs.Length);
        foreach (var type in decisions.GroupBy(d => d.Event.GetType().Name))
            Recorded.Add(type.Count(), new KeyValuePair<string, object?>("type", type.Key));
        return (decisions.Count, assigned, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Queues one upsert of all the documents, in the session's transaction, as Marten would write them one by one
    /// (same table, JSON and type name; version and time from the table's defaults): a page changes hundreds of
    /// memberships and stories, and one statement for them all costs far less than hundreds. <paramref name="duplicated"/>
    /// fills a duplicated column: <c>last_seen</c> of <see cref="StoryMemory"/>, <c>story_id</c> of <see cref="StoryMember"/>.
    /// </summary>
    private static void QueueUpsert<T>(IDocumentSession session, IReadOnlyList<T> documents, Func<T, string> id,
        (string Column, string Type, Array Values)? duplicated = null)
    {
        // The duplicated column, when there is one, travels as one more array beside ids and data.
        var (column, select, unnest, alias, set) = duplicated is { } extra
            ? ($", {extra.Column}", ", d.extra", $", ?::{extra.Type}[]", ", extra", $", {extra.Column} = excluded.{extra.Column}")
            : ("", "", "", "", "");
        DocumentRows.Queue(session,
            $"insert into @table@ (id, data, mt_dotnet_type, mt_last_modified{column}) select d.id, d.data, ?, transaction_timestamp(){select} " +
            $"from unnest(?::varchar[], ?::jsonb[]{unnest}) as d(id, data{alias}) on conflict (id) do update set data = excluded.data, " +
            $"mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified{set}",
            documents, id, duplicated is { } d ? [d.Values] : []);
    }

    /// <summary>Reads what the engine needs to know about articles it has not got in memory: their story, and that story when closed.</summary>
    private async Task PreloadAsync(StoryEngine engine, IEnumerable<string> articleIds, CancellationToken ct)
    {
        var unknown = articleIds.Where(id => !engine.Knows(id)).Distinct().ToArray();
        if (unknown.Length == 0) return;
        await using var query = store.QuerySession();
        var articles = await query.LoadManyAsync<ArticleStory>(ct, unknown);
        engine.Preload(articles, []);
        var missing = engine.MissingStories().ToArray();
        if (missing.Length > 0) engine.Preload([], await WithMembersAsync(query, await query.LoadManyAsync<StoryMemory>(ct, missing), ct));
    }

    /// <summary>
    /// Stories as read from their documents, with their members (documents of their own, in their order). A story still
    /// stored with its members inline is taken as it is, and noted so that its next write stores every member.
    /// </summary>
    private async Task<IReadOnlyList<StoryMemory>> WithMembersAsync(IQuerySession query, IReadOnlyList<StoryMemory> stories, CancellationToken ct)
    {
        var stored = new Dictionary<string, StoryMemory>(StringComparer.Ordinal);
        foreach (var story in stories)
        {
            if (story.Members.Count == 0)
            {
                stored[story.Id] = story;
                continue;
            }
            _inline.Add(story.Id);
            for (var i = 0; i < story.Members.Count; i++)
            {
                var member = story.Members[i];
                member.JoinStory(story.Id);
                member.Order = i + 1;
            }
        }
        if (stored.Count == 0) return stories;
        var ids = stored.Keys.ToArray();
        var members = await query.Query<StoryMember>().Where(m => ids.Contains(m.StoryId)).ToListAsync(ct);
        foreach (var story in members.GroupBy(m => m.StoryId)) stored[story.Key].Members.AddRange(story.OrderBy(m => m.Order));
        return stories;
    }

    /// <summary>An article's text as an ArticleFetched or ArticleUpdated event recorded it.</summary>
    private sealed record ArticleText(long Position, string ArticleId, bool Fetched, string Text);

    /// <summary>The article texts recorded in (<paramref name="after"/>, <paramref name="upTo"/>], in store order.</summary>
    private async Task<List<ArticleText>> TextsBetweenAsync(long after, long upTo, CancellationToken ct)
    {
        await using var command = Database.CreateCommand($"""
            select seq_id, stream_id, type = 'article_fetched', data->>'Text'
            from {store.Options.Events.DatabaseSchemaName}.mt_events
            where seq_id > @after and seq_id <= @upTo and type in ('article_fetched', 'article_updated') and is_archived = false
            order by seq_id
            """);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("upTo", upTo);
        var texts = new List<ArticleText>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            texts.Add(new ArticleText(reader.GetInt64(0), reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? "" : reader.GetString(3)));
        return texts;
    }

    /// <summary>Each article's latest text recorded at or before <paramref name="position"/>.</summary>
    private async Task<Dictionary<string, string>> TextsBeforeAsync(string[] ids, long position, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var command = Database.CreateCommand($"""
            select distinct on (stream_id) stream_id, data->>'Text'
            from {schema}.mt_events
            where stream_id = any(@ids) and type in ('article_fetched', 'article_updated') and seq_id <= @position
            order by stream_id, seq_id desc
            """);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("position", position);
        var texts = new Dictionary<string, string>(ids.Length, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) texts[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        return texts;
    }

    /// <summary>The engine as the store last committed it: checkpoint, open stories, baselines.</summary>
    private async Task LoadAsync(CancellationToken ct)
    {
        await using var query = store.QuerySession();
        _checkpoint = await query.LoadAsync<StoryAssignerCheckpoint>(StoryAssignerCheckpoint.DocumentId, ct);
        var clock = _checkpoint?.Clock ?? DateTimeOffset.MinValue;
        var horizon = clock == DateTimeOffset.MinValue ? clock : clock - options.Window;
        _inline.Clear();
        var open = await WithMembersAsync(query, await query.Query<StoryMemory>().Where(s => s.LastSeen >= horizon).ToListAsync(ct), ct);
        var cells = await query.Query<StoryBaselineCell>().ToListAsync(ct);
        _engine = new StoryEngine(options, clock, open, cells);
        AlertsLog.StoryAssignerLoaded(logger, _checkpoint?.Position ?? 0, open.Count, cells.Count);
    }
}
