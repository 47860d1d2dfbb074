using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;
using Monitoring.Alerts.FeedHealth;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts.Pipeline;

public sealed record ShardProgress(string Name, long Position, long LagEvents, double LagSeconds);

public sealed record QueueState(string Name, long Messages, long Ready, long Unacknowledged, int Consumers, double PublishRate, double DeliverRate);

public sealed record StageRates(double FetchedPerMinute, double ClassifiedPerMinute, double RecordedPerMinute, double AlertedPerMinute);

public sealed record LatencySummary(int Samples, double? P50Ms, double? P95Ms, double? P99Ms);

/// <summary>How the pipeline itself is doing: the event store's high-water mark and each projection's lag behind it,
/// the broker's queues, articles per minute at each stage, and fetch → alert latency.</summary>
public sealed record PipelineSnapshot(
    DateTimeOffset At, long HighWaterMark, IReadOnlyList<ShardProgress> Projections, IReadOnlyList<QueueState> Queues,
    string? BrokerError, StageRates Rates, LatencySummary FetchToAlert);

/// <summary>Fetch → alert latencies of the alerts published lately (kept by the exchange forwarder).</summary>
public sealed class AlertLatencies
{
    private const int Capacity = 4096;
    private readonly ConcurrentQueue<(DateTimeOffset At, double Ms)> _samples = new();

    public void Add(DateTimeOffset at, double milliseconds)
    {
        _samples.Enqueue((at, milliseconds));
        while (_samples.Count > Capacity) _samples.TryDequeue(out _);
    }

    public LatencySummary Summary(DateTimeOffset since)
    {
        var values = _samples.Where(s => s.At >= since).Select(s => s.Ms).Order().ToList();
        if (values.Count == 0) return new LatencySummary(0, null, null, null);
        double P(double p) => values[Math.Min(values.Count - 1, (int)(p * values.Count))];
        return new LatencySummary(values.Count, P(0.5), P(0.95), P(0.99));
    }
}

/// <summary>
/// Takes a <see cref="PipelineSnapshot"/> every few seconds for the dashboard and <c>GET /api/pipeline</c>, and
/// exports projection lag and queue depths as metrics.
/// </summary>
public sealed class PipelineHealth : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly IDocumentStore _store;
    private readonly NpgsqlDataSource _database;
    private readonly AlertLatencies _latencies;
    private readonly HttpClient _management;
    private readonly string _virtualHost;
    private readonly ILogger<PipelineHealth> _logger;

    public PipelineHealth(IDocumentStore store, NpgsqlDataSource database, AlertLatencies latencies, IConfiguration configuration,
        IHttpClientFactory httpClients, ILogger<PipelineHealth> logger)
    {
        _store = store;
        _database = database;
        _latencies = latencies;
        _logger = logger;
        var amqp = MonitoringBus.RabbitMqUri(configuration);
        _virtualHost = MonitoringBus.VirtualHost(amqp);
        var management = configuration["MONITORING_RABBITMQ_MANAGEMENT"] is { Length: > 0 } url
            ? new Uri(url)
            : new UriBuilder("http", amqp.Host, 15672) { UserName = Uri.EscapeDataString(amqp.UserInfo.Split(':')[0]) }.Uri;
        _management = httpClients.CreateClient(nameof(PipelineHealth));
        _management.BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri;
        _management.Timeout = TimeSpan.FromSeconds(3);
        var credentials = Uri.UnescapeDataString(management.UserInfo is { Length: > 0 } info ? info : amqp.UserInfo is { Length: > 0 } a ? a : "guest:guest");
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));

        MonitoringTelemetry.Meter.CreateObservableGauge("monitoring.projection.lag", () =>
            Current?.Projections.Select(p => new Measurement<long>(p.LagEvents, new KeyValuePair<string, object?>("projection", p.Name)))
            ?? [], unit: "{event}", description: "Events between the store's high-water mark and each projection or subscription");
        MonitoringTelemetry.Meter.CreateObservableGauge("monitoring.queue.depth", () =>
            Current?.Queues.Select(q => new Measurement<long>(q.Messages, new KeyValuePair<string, object?>("queue", q.Name)))
            ?? [], unit: "{message}", description: "Messages waiting in each RabbitMQ queue of the pipeline");
    }

    public PipelineSnapshot? Current { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TakeAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                AlertsLog.PipelineHealthFailed(_logger, e);
            }
            await Task.Delay(Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>The last snapshot if it is recent enough, else a new one.</summary>
    public async Task<PipelineSnapshot> FreshAsync(TimeSpan maxAge, CancellationToken ct)
    {
        if (Current is { } current && DateTimeOffset.UtcNow - current.At <= maxAge) return current;
        return await TakeAsync(ct);
    }

    public async Task<PipelineSnapshot> TakeAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var schema = _store.Options.Events.DatabaseSchemaName;
        await using var connection = await _database.OpenConnectionAsync(ct);

        // Progress of every projection and subscription, and how far behind the high-water mark it is in events and time.
        var progress = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand($"select name, last_seq_id from {schema}.mt_event_progression", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) progress[reader.GetString(0)] = reader.GetInt64(1);
        }
        var highWater = progress.GetValueOrDefault("HighWaterMark");
        var shards = progress.Where(p => p.Key != "HighWaterMark" && !p.Key.StartsWith("HighWater")).ToList();
        var timestamps = await TimestampsAsync(connection, schema, shards.Select(s => s.Value).Append(highWater).Distinct().ToArray(), ct);
        var projections = shards.Select(s => new ShardProgress(s.Key, s.Value, Math.Max(0, highWater - s.Value),
                timestamps.TryGetValue(highWater, out var top) && timestamps.TryGetValue(s.Value, out var at) ? Math.Max(0, (top - at).TotalSeconds) : 0))
            .OrderBy(s => s.Name).ToList();

        var (queues, brokerError) = await QueuesAsync(ct);
        var recorded = await RecordedLastMinuteAsync(connection, schema, highWater, now, ct);
        var fetched = await FetchedPerMinuteAsync(now, ct);
        var rates = Rates(queues, recorded, fetched, now);
        return Current = new PipelineSnapshot(now, highWater, projections, queues, brokerError, rates, _latencies.Summary(now.AddMinutes(-5)));
    }

    private static async Task<Dictionary<long, DateTimeOffset>> TimestampsAsync(NpgsqlConnection connection, string schema, long[] sequences, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select seq_id, timestamp from {schema}.mt_events where seq_id = any(@seqs)", connection);
        command.Parameters.AddWithValue("seqs", sequences);
        var result = new Dictionary<long, DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result[reader.GetInt64(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        return result;
    }

    // (time of the snapshot, articles recorded in the events it counted), newest last; the events counted so far end at
    // _countedUpTo (a high-water mark: every event at or below it has committed, so none is missed by counting above it).
    private readonly Queue<(DateTimeOffset At, long Articles)> _recorded = new();
    private long _countedUpTo;

    /// <summary>How far back the first snapshot after a start counts (by time, within the last minute): 200,000 events.</summary>
    private const long FirstCountSpan = 200_000;

    /// <summary>
    /// Articles recorded in about the last minute. Each snapshot counts only the events that reached the high-water mark
    /// since the one before (a few seconds' worth) and keeps a minute of those counts; the first after a start counts the
    /// last minute by time. Counting a whole minute of events on every snapshot cost ~130 ms of PostgreSQL every 5 s at
    /// 800 articles/s.
    /// </summary>
    private async Task<long> RecordedLastMinuteAsync(NpgsqlConnection connection, string schema, long highWater, DateTimeOffset now, CancellationToken ct)
    {
        long from;
        lock (_recorded)
        {
            // A store emptied under us (a test's reset) starts over like a new process.
            if (highWater < _countedUpTo)
            {
                _recorded.Clear();
                _countedUpTo = 0;
            }
            from = _countedUpTo;
        }
        if (highWater <= from) return RecordedSum(now);
        var first = from == 0;
        await using var command = new NpgsqlCommand($"""
            select count(*) from {schema}.mt_events
            where seq_id > @from and seq_id <= @to and type in ('article_fetched', 'article_updated')
            {(first ? "and timestamp >= now() - interval '1 minute'" : "")}
            """, connection);
        command.Parameters.AddWithValue("from", first ? Math.Max(0, highWater - FirstCountSpan) : from);
        command.Parameters.AddWithValue("to", highWater);
        var articles = (long)(await command.ExecuteScalarAsync(ct))!;
        lock (_recorded)
        {
            // Two snapshots taken at once (the loop and an API call) count the same events: only the first one keeps its count.
            if (_countedUpTo == from)
            {
                _recorded.Enqueue((now, articles));
                _countedUpTo = highWater;
            }
        }
        return RecordedSum(now);
    }

    /// <summary>The counts of the last minute's snapshots, older ones dropped.</summary>
    private long RecordedSum(DateTimeOffset now)
    {
        lock (_recorded)
        {
            while (_recorded.Count > 0 && _recorded.Peek().At < now.AddMinutes(-1)) _recorded.Dequeue();
            return _recorded.Sum(r => r.Articles);
        }
    }

    // (time, articles the feeds had published then by their latest health reports), newest last.
    private readonly Queue<(DateTimeOffset At, long Published)> _published = new();

    /// <summary>
    /// Articles the FeedPoller published in about the last minute, from the feeds' health reports (each carries the feed's
    /// running count; they arrive at least every <c>MONITORING_FEED_HEALTH_INTERVAL_SECONDS</c>). Null until a report a
    /// minute old or more is at hand.
    /// </summary>
    private async Task<double?> FetchedPerMinuteAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var session = _store.QuerySession();
        var published = await session.Query<FeedState>().SumAsync(f => f.ArticlesPublished, ct);
        lock (_published)
        {
            _published.Enqueue((now, published));
            while (_published.Count > 1 && _published.ElementAt(1).At <= now.AddMinutes(-1)) _published.Dequeue();
            var (at, before) = _published.Peek();
            var minutes = (now - at).TotalMinutes;
            return minutes >= 1 ? Math.Max(0, published - before) / minutes : null;
        }
    }

    private StageRates Rates(IReadOnlyList<QueueState> queues, long recorded, double? fetchedArticles, DateTimeOffset now)
    {
        // What the broker saw published into each stage's queues, in messages: a message is one article or a batch of them.
        var fetchedMessages = queues.Where(q => (q.Name.Contains("article-fetched") || q.Name.Contains("articles-fetched")) && !IsFaultQueue(q.Name)).Sum(q => q.PublishRate) * 60;
        var classifiedMessages = queues.Where(q => (q.Name.Contains("article-classified") || q.Name.Contains("articles-classified")) && !IsFaultQueue(q.Name)).Sum(q => q.PublishRate) * 60;
        // Articles fetched: from the feeds' own counts when known, else one per message. Articles classified: the classified
        // messages times the articles per fetched message (the Classifier answers each batch with one batch).
        var fetched = fetchedArticles ?? fetchedMessages;
        var classified = fetchedMessages > 0 ? classifiedMessages * Math.Max(1, fetched / fetchedMessages) : classifiedMessages;
        var alerted = _latencies.Summary(now.AddMinutes(-1)).Samples;
        return new StageRates(Math.Round(fetched, 1), Math.Round(classified, 1), recorded, alerted);
    }

    private static bool IsFaultQueue(string name) => name.EndsWith("_error") || name.EndsWith("_skipped");

    private async Task<(IReadOnlyList<QueueState>, string?)> QueuesAsync(CancellationToken ct)
    {
        try
        {
            var queues = await _management.GetFromJsonAsync<List<ManagementQueue>>($"api/queues/{Uri.EscapeDataString(_virtualHost)}", ct) ?? [];
            return (queues.Select(q => new QueueState(q.Name, q.Messages, q.MessagesReady, q.MessagesUnacknowledged, q.Consumers,
                    Math.Round(q.MessageStats?.PublishDetails?.Rate ?? 0, 2), Math.Round(q.MessageStats?.DeliverGetDetails?.Rate ?? 0, 2)))
                .OrderBy(q => q.Name).ToList(), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return ([], "RabbitMQ management API unreachable: " + e.Message);
        }
    }

    private sealed record ManagementQueue(
        string Name, long Messages,
        [property: JsonPropertyName("messages_ready")] long MessagesReady,
        [property: JsonPropertyName("messages_unacknowledged")] long MessagesUnacknowledged,
        int Consumers,
        [property: JsonPropertyName("message_stats")] ManagementStats? MessageStats);

    private sealed record ManagementStats(
        [property: JsonPropertyName("publish_details")] ManagementRate? PublishDetails,
        [property: JsonPropertyName("deliver_get_details")] ManagementRate? DeliverGetDetails);

    private sealed record ManagementRate(double Rate);
}
