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
        Console.WriteLine($"\n== ingest: {count:N0} classified articles (~{Text.Length / 1024.0:0.0} KB text each) through ArticleRecorder, batches of {ArticleClassifiedConsumerDefinition.BatchSize}, 2 writers, daemon running");
        var batches = Enumerable.Range(0, count).Select(i => Article(i)).Chunk(ArticleClassifiedConsumerDefinition.BatchSize).ToList();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (batch, ct) =>
        {
            using var scope = _app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordBatchAsync(batch, ct);
        });
        var appended = watch.Elapsed;
        Console.WriteLine($"   appended {count:N0} articles ({count * 2:N0} events) in {appended.TotalSeconds:0.00} s = {count / appended.TotalSeconds:N0} articles/s");
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
