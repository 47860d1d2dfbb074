using System.Diagnostics;
using System.Text.Json;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using MassTransit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;
using ArticleClassified = Monitoring.Contracts.ArticleClassified;
using ArticleFetched = Monitoring.Contracts.ArticleFetched;
using Monitoring.Hosting;
using Monitoring.Testing;

namespace Monitoring.Alerts.Benchmarks;

/// <summary>The Alerts service composed as in production (store, daemon, subscriptions, bus consumer, API) in a schema and vhost of its own.</summary>
public sealed class AlertsBench : IAsyncDisposable
{
    private static readonly string[] Countries =
        ["JP", "EU", "US", "CN", "RU", "UA", "KR", "KP", "IN", "PK", "IR", "IL", "TR", "DE", "FR", "GB", "IT", "ES", "PL", "BR",
         "MX", "NG", "ZA", "EG", "SA", "AU", "ID", "PH", "VN", "TW"];
    private static readonly string Text = string.Concat(Enumerable.Repeat(
        "Officials said the joint exercise would continue through the week as tensions rose along the border, with " +
        "ministers meeting to discuss arms transfers, sanctions and the security situation in the region. ", 12));

    private readonly PostgresSchema _schema;
    private readonly RabbitMqVirtualHost _broker;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private AlertsBench(PostgresSchema schema, RabbitMqVirtualHost broker, WebApplication app, HttpClient http)
    {
        _schema = schema;
        _broker = broker;
        _app = app;
        _http = http;
    }

    private IDocumentStore Store => _app.Services.GetRequiredService<IDocumentStore>();

    public static async Task<AlertsBench> StartAsync()
    {
        var schema = PostgresSchema.Create("bench");
        var broker = await RabbitMqVirtualHost.CreateAsync("bench");
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["MONITORING_ALERTS_SCHEMA"] = schema.Name;
        builder.Configuration["MONITORING_RABBITMQ"] = broker.AmqpUri.ToString();
        builder.Configuration["MONITORING_TELEMETRY"] = "none";
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.AddServiceDefaults("monitoring-alerts-bench", "http://127.0.0.1:0", "Marten");
        builder.AddAlertStore();
        builder.AddMonitoringBus(bus => bus.AddConsumer<ArticleClassifiedConsumer, ArticleClassifiedConsumerDefinition>());
        var app = builder.Build();
        app.MapAlertsApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000 })
        {
            BaseAddress = new Uri(address + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new AlertsBench(schema, broker, app, http);
    }

    private static ArticleClassified Article(int i, int revision = 1)
    {
        var now = DateTimeOffset.UtcNow;
        var article = new ArticleFetched($"bench-{i:D7}", revision, "https://feeds.example/rss", "Example Wire",
            $"https://news.example/{i}", $"Article {i}: ministers meet as tensions rise", Text, "en", now.AddMinutes(-5), now,
            $"hash-{i}-{revision}");
        var primary = new[] { Countries[i % Countries.Length], Countries[(i * 7 + 3) % Countries.Length] }.Distinct();
        string[] topics = i % 3 == 0 ? [Topics.Cyber] : [Topics.MilitaryActivity, Topics.ArmsTrade];
        return new ArticleClassified(article, "en",
            primary.Select(c => new CountryMention(c, 3, true)).Append(new CountryMention("CH", 1, false)).ToList(),
            topics.Select(t => new TopicScore(t, 2.5, [t])).ToList(), (Severity)(1 + i % 4), "bench-1", now);
    }

    public async Task IngestAsync(int count)
    {
        Console.WriteLine($"\n== ingest: {count:N0} classified articles (~{Text.Length / 1024.0:0.0} KB text each) through ArticleRecorder, batches of {ArticleClassifiedConsumerDefinition.BatchSize}, 2 writers, daemon {Environment.GetEnvironmentVariable("MONITORING_DAEMON_MODE") ?? "running"}");
        var batches = Enumerable.Range(0, count).Select(i => Article(i)).Chunk(ArticleClassifiedConsumerDefinition.BatchSize).ToList();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (batch, ct) =>
        {
            using var scope = _app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordBatchAsync(batch, ct);
        });
        var appended = watch.Elapsed;
        Console.WriteLine($"   appended {count:N0} articles ({count * 2:N0} events) in {appended.TotalSeconds:0.00} s = {count / appended.TotalSeconds:N0} articles/s");
        if (Environment.GetEnvironmentVariable("MONITORING_DAEMON_MODE") == "disabled") return;
        await Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        Console.WriteLine($"   projections and subscriptions caught up {watch.Elapsed.TotalSeconds:0.00} s after the start = {count / watch.Elapsed.TotalSeconds:N0} articles/s to alerts");
    }

    public async Task IngestThroughBusAsync(int count)
    {
        Console.WriteLine($"\n== bus: {count:N0} ArticleClassified messages published to RabbitMQ and consumed by the batch consumer");
        var offset = 10_000_000;
        var bus = _app.Services.GetRequiredService<IBus>();
        var watch = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(offset, count).Chunk(500))
            await Task.WhenAll(chunk.Select(i => bus.Publish(Article(i))));
        var published = watch.Elapsed;
        Console.WriteLine($"   published in {published.TotalSeconds:0.00} s = {count / published.TotalSeconds:N0} messages/s");
        await using var session = Store.QuerySession();
        while (await session.Query<ArticleDetails>().CountAsync(a => a.Id.StartsWith("bench-1")) < count)
        {
            await Task.Delay(100);
        }
        Console.WriteLine($"   recorded {count:N0} in {watch.Elapsed.TotalSeconds:0.00} s = {count / watch.Elapsed.TotalSeconds:N0} articles/s from first publish to last append");
    }

    public async Task RebuildAsync()
    {
        await using var session = Store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().CountAsync();
        var classification = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(typeof(Monitoring.Alerts.Articles.ArticleClassified), typeof(ArticleReclassified))).CountAsync();
        var daemon = _app.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        foreach (var projection in AlertsModule.CountryViews)
        {
            Console.WriteLine($"\n== rebuild {projection}: {events:N0} events in the store, {classification:N0} of them classification events");
            var watch = Stopwatch.StartNew();
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(20), CancellationToken.None);
            Console.WriteLine($"   rebuilt in {watch.Elapsed.TotalSeconds:0.00} s = {events / watch.Elapsed.TotalSeconds:N0} store events/s " +
                              $"({classification / watch.Elapsed.TotalSeconds:N0} projected events/s)");
            await daemon.StartAgentAsync($"{projection}:All", CancellationToken.None);
        }
    }

    public async Task SseFanOutAsync(int clients, int alerts)
    {
        Console.WriteLine($"\n== sse: {clients} concurrent clients on /api/alerts/stream, {alerts} alerts recorded while they listen");
        var tail = _app.Services.GetRequiredService<AlertTail>();
        var baseline = tail.SubscriberCount;
        using var stop = new CancellationTokenSource();
        var latencies = new List<double>[clients];
        var readers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = new List<double>(alerts);
            using var response = await _http.GetAsync("api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, stop.Token);
            using var reader = new ServerSentEventsReader(await response.Content.ReadAsStreamAsync(stop.Token));
            while (latencies[c].Count < alerts && await reader.NextAsync(stop.Token) is { } e)
            {
                var recordedAt = JsonDocument.Parse(e.Data).RootElement.GetProperty("recordedAt").GetDateTimeOffset();
                latencies[c].Add((DateTimeOffset.UtcNow - recordedAt).TotalMilliseconds);
            }
        })).ToList();
        var connectDeadline = DateTime.UtcNow.AddSeconds(60);
        while (tail.SubscriberCount < baseline + clients && DateTime.UtcNow < connectDeadline) await Task.Delay(50);
        Console.WriteLine($"   {tail.SubscriberCount - baseline} clients connected");

        var watch = Stopwatch.StartNew();
        using (var scope = _app.Services.CreateScope())
        {
            var recorder = scope.ServiceProvider.GetRequiredService<ArticleRecorder>();
            foreach (var chunk in Enumerable.Range(20_000_000, alerts).Chunk(10))
            {
                await recorder.RecordBatchAsync(chunk.Select(i => Article(i)).ToList(), CancellationToken.None);
                await Task.Delay(50);
            }
        }
        var finished = await Task.WhenAny(Task.WhenAll(readers), Task.Delay(TimeSpan.FromMinutes(2)));
        stop.Cancel();
        var complete = latencies.Count(l => l is not null && l.Count == alerts);
        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToList();
        Console.WriteLine($"   {complete}/{clients} clients received all {alerts} alerts ({all.Count:N0} events delivered) in {watch.Elapsed.TotalSeconds:0.00} s");
        if (all.Count > 0)
        {
            Console.WriteLine($"   record → client latency: p50 {Percentile(all, 0.50):0} ms, p95 {Percentile(all, 0.95):0} ms, p99 {Percentile(all, 0.99):0} ms, max {all[^1]:0} ms");
        }
    }

    /// <summary>
    /// Live projections against a rebuild of the same history: rounds of new articles, edits that move the primary
    /// country, and edits that withdraw every alert, recorded back to back; then every document compared.
    /// </summary>
    public async Task ConsistencyAsync(int rounds)
    {
        Console.WriteLine($"\n== consistency: {rounds} rounds of new articles, edits and withdrawals, live projections vs a rebuild");
        var next = 30_000_000;
        using (var scope = _app.Services.CreateScope())
        {
            var recorder = scope.ServiceProvider.GetRequiredService<ArticleRecorder>();
            for (var round = 0; round < rounds; round++)
            {
                var ids = Enumerable.Range(next, 40).ToList();
                next += 40;
                await recorder.RecordBatchAsync(ids.Select(i => Article(i)).ToList(), CancellationToken.None);
                await recorder.RecordBatchAsync(ids.Where(i => i % 2 == 0).Select(i => Article(i + 1, revision: 2) with
                    { Article = Article(i).Article with { Revision = 2, ContentHash = $"h{i}-2" } }).ToList(), CancellationToken.None);
                await recorder.RecordBatchAsync(ids.Where(i => i % 5 == 0).Select(i => Article(i) with
                    { Article = Article(i).Article with { Revision = 3, ContentHash = $"h{i}-3" }, Topics = [], Severity = Severity.None }).ToList(),
                    CancellationToken.None);
            }
        }
        await WaitForCatchUpAsync();
        var live = await SnapshotAsync();
        var daemon = _app.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        foreach (var projection in AlertsModule.CountryViews)
        {
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(20), CancellationToken.None);
            await daemon.StartAgentAsync($"{projection}:All", CancellationToken.None);
        }
        var rebuilt = await SnapshotAsync();
        var differ = live.Keys.Union(rebuilt.Keys).Where(k => live.GetValueOrDefault(k) != rebuilt.GetValueOrDefault(k)).ToList();
        Console.WriteLine($"   {live.Count} live documents, {rebuilt.Count} rebuilt, {differ.Count} differ");
        foreach (var key in differ.Take(5)) Console.WriteLine($"   {key}\n     live:    {live.GetValueOrDefault(key)}\n     rebuilt: {rebuilt.GetValueOrDefault(key)}");
    }

    private async Task WaitForCatchUpAsync()
    {
        var schema = _schema.Name;
        while (true)
        {
            var behind = await _schema.ScalarAsync<long>(
                $"select count(*) from {schema}.mt_event_progression p where p.name not like 'HighWater%' " +
                $"and p.last_seq_id < (select coalesce(max(seq_id), 0) from {schema}.mt_events)");
            if (behind == 0) return;
            await Task.Delay(50);
        }
    }

    private async Task<Dictionary<string, string>> SnapshotAsync()
    {
        await using var session = Store.QuerySession();
        var alerts = await session.Query<CountryAlert>().ToListAsync();
        var stats = await session.Query<CountryDayStats>().ToListAsync();
        return alerts.Select(a => ("alert:" + a.Id, JsonSerializer.Serialize(new { a.Active, a.Position, Versions = a.Versions.Count })))
            .Concat(stats.Select(s => ("stats:" + s.Id, JsonSerializer.Serialize(new { s.Alerts, T = s.Topics.OrderBy(t => t.Key).ToList() }))))
            .ToDictionary(x => x.Item1, x => x.Item2);
    }

    /// <summary>
    /// Story assignment: <paramref name="count"/> articles forming stories of 1–8 wire copies each (near-duplicates and
    /// same-event reports with shared names and figures, across 30 countries) are recorded, then timed twice: the story
    /// engine alone, in memory, and the assigner in the running service until every article's story is committed; then
    /// as many again are recorded while the assigner is stopped, and it is timed catching up with them.
    /// </summary>
    public async Task StoriesAsync(int count)
    {
        Console.WriteLine($"\n== stories: {count:N0} classified articles in stories of 1–8 copies, ~{StoryText(0, 0).Length / 1024.0:0.0} KB text each");
        var articles = Enumerable.Range(0, count).Select(StoryArticle).ToList();

        var options = _app.Services.GetRequiredService<Monitoring.Alerts.Stories.StoryOptions>();
        var fingerprinter = new Monitoring.Alerts.Stories.ArticleFingerprinter();
        var engine = new Monitoring.Alerts.Stories.StoryEngine(options, DateTimeOffset.MinValue, [], []);
        var watch = Stopwatch.StartNew();
        var inputs = new Monitoring.Alerts.Stories.StoryInput[count];
        var position = 0L;
        var classifications = articles.Select(a => new Monitoring.Alerts.Articles.ArticleClassified(a.Article.ArticleId, 1, a.Article.Title,
            a.Article.Url, a.Article.Source, a.Article.PublishedAt, a.Language, a.Countries, a.Topics, a.Severity, a.ClassifierVersion,
            a.ClassifiedAt, a.ClassifiedAt, Monitoring.Alerts.Articles.AlertState.None, a.Article.FetchedAt)).ToList();
        Parallel.For(0, count, i => inputs[i] = new Monitoring.Alerts.Stories.StoryInput(i + 1, classifications[i],
            fingerprinter.Fingerprint(articles[i].Language, articles[i].Article.Title, articles[i].Article.Text)));
        var fingerprinted = watch.Elapsed;
        var events = 0;
        foreach (var input in inputs)
        {
            events += engine.Process(input).Count;
            if (++position % 500 == 0) engine.TakeChanges();
        }
        Console.WriteLine($"   engine in memory: fingerprints {count / fingerprinted.TotalSeconds:N0} articles/s (2 threads), " +
                          $"fingerprint + assign {count / watch.Elapsed.TotalSeconds:N0} articles/s; {engine.OpenStories:N0} stories, {events:N0} story events");

        var progress = _app.Services.GetRequiredService<Monitoring.Alerts.Stories.StoryProgress>();
        var feed = _app.Services.GetRequiredService<AlertFeedReader>();
        var startPosition = await progress.AssignedAsync(CancellationToken.None);
        watch.Restart();
        await Parallel.ForEachAsync(articles.Chunk(ArticleClassifiedConsumerDefinition.BatchSize), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (batch, ct) =>
        {
            using var scope = _app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordBatchAsync(batch, ct);
        });
        var appended = watch.Elapsed;
        long target;
        while ((target = await feed.HighWaterMarkAsync(CancellationToken.None)) <= startPosition) await Task.Delay(20);
        await using (var session = Store.QuerySession())
        {
            while (await session.Query<Monitoring.Alerts.Stories.ArticleStory>().CountAsync(a => a.Id.StartsWith("story-")) < count) await Task.Delay(50);
        }
        var assigned = watch.Elapsed;
        Console.WriteLine($"   service: recorded in {appended.TotalSeconds:0.00} s; every article's story committed {assigned.TotalSeconds:0.00} s after the first append " +
                          $"= {count / assigned.TotalSeconds:N0} articles/s end to end (assigner running concurrently with ingestion)");
        await Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        await using (var query = Store.QuerySession())
        {
            Console.WriteLine($"   {await query.Query<Monitoring.Alerts.Stories.Story>().CountAsync():N0} stories projected; all caught up {watch.Elapsed.TotalSeconds:0.00} s after the first append");
        }

        // The assigner on a backlog (as after a restart or an outage): stopped while as many articles again (stories of
        // their own) are recorded, then timed from its start until every one has its story.
        var assigner = _app.Services.GetRequiredService<Monitoring.Alerts.Stories.StoryAssigner>();
        await assigner.StopAsync(CancellationToken.None);
        var backlog = Enumerable.Range(count, count).Select(StoryArticle).ToList();
        await Parallel.ForEachAsync(backlog.Chunk(ArticleClassifiedConsumerDefinition.BatchSize), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (batch, ct) =>
        {
            using var scope = _app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordBatchAsync(batch, ct);
        });
        await Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        watch.Restart();
        await assigner.StartAsync(CancellationToken.None);
        await using (var session = Store.QuerySession())
        {
            while (await session.Query<Monitoring.Alerts.Stories.ArticleStory>().CountAsync(a => a.Id.StartsWith("story-")) < 2 * count) await Task.Delay(50);
        }
        Console.WriteLine($"   backlog: {count:N0} articles recorded while the assigner was stopped; every one's story committed " +
                          $"{watch.Elapsed.TotalSeconds:0.00} s after it started = {count / watch.Elapsed.TotalSeconds:N0} articles/s catching up");
    }

    private static readonly string[] Names = ["Arvandi", "Belokov", "Castellan", "Dunmore", "Esterhazy", "Fairbanks", "Galloway", "Hartmann", "Ivashko", "Jorgensen"];

    /// <summary>
    /// A report of <paramref name="story"/> (~2.5 KB): twelve sentences drawn from a 4,000-word vocabulary by the story's
    /// own seed, so stories differ as real ones do; each copy rewrites a few sentences with words of its own.
    /// </summary>
    private static string StoryText(int story, int copy)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"Officials said {Names[story % Names.Length]} and {Names[(story / 10) % Names.Length]} met after {story % 97 + 11} people were hurt " +
                    $"near the {Names[(story / 7) % Names.Length]}grad depot, which burned for {story % 53 + 20} minutes. ");
        for (var sentence = 0; sentence < 12; sentence++)
        {
            var random = new Random(sentence % 4 == copy % 4 && copy > 0 ? story * 131 + copy * 17 + sentence : story * 31 + sentence);
            for (var w = 0; w < 30; w++) text.Append(Vocabulary[random.Next(Vocabulary.Length)]).Append(w == 29 ? ". " : " ");
        }
        return text.ToString();
    }

    private static readonly string[] Vocabulary = Enumerable.Range(0, 4000)
        .Select(i => new string(Enumerable.Range(0, 4 + i % 6).Select(k => (char)('a' + (i * 7 + k * 13 + i / 26) % 26)).ToArray()))
        .ToArray();

    /// <summary>Article <paramref name="i"/>: story i / 4 (so stories have 4 copies on average), copies in a few wordings.</summary>
    private static ArticleClassified StoryArticle(int i)
    {
        var story = i / 4 + (i % 7 == 0 ? 1_000_000 : 0);
        var copy = i % 4;
        var at = DateTimeOffset.UtcNow.AddSeconds(-SpreadSeconds + i * 0.5);
        var article = new ArticleFetched($"story-{i:D7}", 1, "https://feeds.example/rss", $"Source {copy}", $"https://news.example/s/{i}",
            $"{Names[story % Names.Length]} {story}: {story % 97 + 11} hurt at depot", StoryText(story, copy), "en", at, at, $"hash-s-{i}");
        var country = Countries[story % Countries.Length];
        return new ArticleClassified(article, "en", [new CountryMention(country, 3, true)],
            [new TopicScore(story % 3 == 0 ? Topics.Cyber : Topics.MilitaryActivity, 2.5, ["x"])], Severity.High, "bench-1", at);
    }

    private const int SpreadSeconds = 36_000;

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _schema.DisposeAsync();
        await _broker.DisposeAsync();
    }
}
