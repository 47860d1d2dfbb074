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
    IConfiguration configuration, ILogger<StoryAssigner> logger) : BackgroundService
{
    public const int PageSize = 1000;

    private static readonly Counter<long> Assigned =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.stories.assigned", description: "Classification events the story assigner processed");
    private static readonly Counter<long> Recorded =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.stories.events", description: "Story events recorded, by type");

    private StoryEngine? _engine;
    private StoryAssignerCheckpoint? _checkpoint;

    private long AdvisoryLockKey => BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(
        Encoding.UTF8.GetBytes("monitoring-story-assigner:" + store.Options.DatabaseSchemaName)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(configuration.GetValue("MONITORING_STORY_POLL_MS", 100));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lockConnection = await database.OpenConnectionAsync(stoppingToken);
                if (!await TryLockAsync(lockConnection, stoppingToken))
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                    continue;
                }
                while (!stoppingToken.IsCancellationRequested && lockConnection.State == System.Data.ConnectionState.Open)
                {
                    if (await RunOnceAsync(stoppingToken) == 0) await Task.Delay(interval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever failed, the memory may be ahead of what was committed: start again from the store.
                _engine = null;
                AlertsLog.StoryAssignerFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", AdvisoryLockKey);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Assigns one page of article events, if any are waiting; returns how many events it read.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        if (_engine is null) await LoadAsync(ct);
        var from = _checkpoint?.Position ?? 0;
        var safe = await feed.HighWaterMarkAsync(ct);
        if (safe <= from) return 0;

        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<IEvent> events;
        await using (var query = store.QuerySession())
        {
            events = await query.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > from && e.Sequence <= safe)
                .Where(e => e.EventTypesAre(typeof(ArticleFetched), typeof(ArticleUpdated), typeof(ArticleClassified), typeof(ArticleReclassified)))
                .OrderBy(e => e.Sequence)
                .Take(PageSize)
                .ToListAsync(ct);
        }
        var readUpTo = events.Count == PageSize ? events[^1].Sequence : safe;
        try
        {
            var recorded = await AssignAsync(events, from, readUpTo, ct);
            AlertsLog.StoryPageAssigned(logger, from, readUpTo, events.Count, recorded, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch
        {
            _engine = null;
            throw;
        }
        return Math.Max(events.Count, 1);
    }

    private async Task<int> AssignAsync(IReadOnlyList<IEvent> events, long from, long readUpTo, CancellationToken ct)
    {
        var engine = _engine!;
        var classifications = new List<(long Position, IArticleClassification Event, string? Text)>();
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case ArticleFetched fetched: texts[fetched.ArticleId] = fetched.Text; break;
                case ArticleUpdated updated: texts[updated.ArticleId] = updated.Text; break;
                case IArticleClassification classification:
                    classifications.Add((e.Sequence, classification, texts.GetValueOrDefault(classification.ArticleId)));
                    break;
            }
        }

        await PreloadAsync(engine, classifications.Select(c => c.Event.ArticleId), ct);
        var missingTexts = classifications.Where(c => c.Text is null && c.Event.Alert().Countries.Count > 0).Select(c => c.Event.ArticleId).Distinct().ToArray();
        var earlierTexts = missingTexts.Length == 0 ? [] : await TextsBeforeAsync(missingTexts, from, ct);

        var inputs = new StoryInput[classifications.Count];
        Parallel.For(0, classifications.Count, i =>
        {
            var (position, classification, text) = classifications[i];
            text ??= earlierTexts.GetValueOrDefault(classification.ArticleId);
            var fingerprint = classification.Alert().Countries.Count > 0 && text is not null
                ? fingerprinter.Fingerprint(classification.Language, classification.Title, text)
                : null;
            inputs[i] = new StoryInput(position, classification, fingerprint);
        });

        var decisions = new List<StoryDecision>();
        foreach (var input in inputs)
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

        await using var session = store.LightweightSession();
        foreach (var stream in decisions.GroupBy(d => d.StoryId))
        {
            var streamEvents = stream.Select(d => (object)d.Event).ToArray();
            if (streamEvents[0] is StoryStarted) session.Events.StartStream<Story>(stream.Key, streamEvents);
            else session.Events.Append(stream.Key, streamEvents);
        }
        if (changes.Stories.Count > 0) session.Store(changes.Stories.ToArray());
        if (changes.Articles.Count > 0) session.Store(changes.Articles.ToArray());
        if (changes.Cells.Count > 0) session.Store(changes.Cells.ToArray());
        if (_checkpoint is null)
        {
            _checkpoint = new StoryAssignerCheckpoint { Position = readUpTo, Clock = changes.Clock, Version = 1 };
            session.Insert(_checkpoint);
        }
        else
        {
            _checkpoint.Position = readUpTo;
            _checkpoint.Clock = changes.Clock;
            session.UpdateRevision(_checkpoint, _checkpoint.Version + 1);
        }
        await session.SaveChangesAsync(ct);

        Assigned.Add(classifications.Count);
        foreach (var type in decisions.GroupBy(d => d.Event.GetType().Name))
            Recorded.Add(type.Count(), new KeyValuePair<string, object?>("type", type.Key));
        return decisions.Count;
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
        if (missing.Length > 0) engine.Preload([], await query.LoadManyAsync<StoryMemory>(ct, missing));
    }

    /// <summary>Each article's latest text recorded at or before <paramref name="position"/>.</summary>
    private async Task<Dictionary<string, string>> TextsBeforeAsync(string[] ids, long position, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var command = database.CreateCommand($"""
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
        var open = await query.Query<StoryMemory>().Where(s => s.LastSeen >= horizon).ToListAsync(ct);
        var cells = await query.Query<StoryBaselineCell>().ToListAsync(ct);
        _engine = new StoryEngine(options, clock, open, cells);
        AlertsLog.StoryAssignerLoaded(logger, _checkpoint?.Position ?? 0, open.Count, cells.Count);
    }
}
