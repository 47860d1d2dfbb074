using System.Diagnostics;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Monitoring.Alerts;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;
using Monitoring.Hosting;
using Monitoring.Testing;
using Bus = Monitoring.Contracts;

namespace Monitoring.LoadTest;

/// <summary>
/// Many articles in the event store (bulk-appended with PostgreSQL COPY, then the country projections rebuilt from
/// them — itself a rebuild benchmark), then country alert queries timed as the API runs them.
/// </summary>
public static class StoreScale
{
    private static readonly string[] Countries =
        ["US", "CN", "RU", "UA", "IL", "IR", "JP", "KR", "KP", "IN", "PK", "TR", "DE", "FR", "GB", "EU", "PL", "SY", "YE", "SA",
         "EG", "NG", "ML", "SD", "ET", "SO", "AF", "IQ", "LB", "TW", "PH", "VN", "ID", "AU", "BR", "MX", "VE", "CO", "GE", "AM",
         "AZ", "BY", "LT", "LV", "EE", "FI", "SE", "NO", "IT", "ES"];

    private static readonly string[] TopicIds = [.. Topics.All];

    /// <summary><c>deploy/bench.sh store</c>: the store phase of the load run on its own; the last line is one JSON object.</summary>
    internal static async Task<int> RunAloneAsync(Options options, string[] args)
    {
        Console.WriteLine($"Monitoring store run — {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {DateTime.UtcNow:u}");
        var result = await RunAsync(options.Int("--store-articles", 1_000_000), options.Int("--seed", 42), explain: args.Contains("--explain"));
        result["loadAverage"] = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(result));
        return 0;
    }

    public static async Task<Dictionary<string, object?>> RunAsync(int articles, int seed, bool explain = false)
    {
        Console.WriteLine($"\n== store: {articles:N0} articles bulk-appended, country projections rebuilt, country alert queries timed");
        await using var schema = PostgresSchema.Create("load_store");
        await using var broker = await RabbitMqVirtualHost.CreateAsync("load_store");
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString;
        builder.Configuration["MONITORING_RABBITMQ"] = broker.AmqpUri.ToString();
        builder.Configuration["MONITORING_ALERTS_SCHEMA"] = schema.Name;
        builder.Configuration["MONITORING_DAEMON_MODE"] = "disabled";
        builder.Configuration["MONITORING_TELEMETRY"] = "none";
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.AddServiceDefaults("monitoring-load-store", "http://127.0.0.1:0", "Marten");
        builder.AddAlertStore();
        await using var app = builder.Build(); // built, never started: no daemon, no subscriptions, no story assigner
        var store = (DocumentStore)app.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await EventDataCompression.ApplyAsync(store, CancellationToken.None); // as the service does when it starts

        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        const int batch = 20_000;
        for (var start = 0; start < articles; start += batch)
        {
            var streams = Enumerable.Range(start, Math.Min(batch, articles - start))
                .Select(i => StreamAction.Start(store.Events, $"store-{i:D8}", ArticleRecording.Decide(null, Article(i, random, now)).ToArray()))
                .ToList();
            await store.BulkInsertEventsAsync(streams, batchSize: 5_000);
        }
        var events = articles * 2;
        var loaded = watch.Elapsed;
        Console.WriteLine($"   bulk-appended {events:N0} events in {loaded.TotalSeconds:0.0} s = {events / loaded.TotalSeconds:N0} events/s");

        var result = new Dictionary<string, object?> { ["storeArticles"] = articles, ["bulkAppendEventsPerSecond"] = Math.Round(events / loaded.TotalSeconds) };
        // A store being rebuilt has usually stood for a while: autovacuum has long since made its first pass over the
        // event tables (hint bits, visibility map, statistics). One just bulk-loaded has not, and that pass — started by
        // autovacuum at some moment of the rebuild, or done by the rebuild's own first reads — would land in the timing
        // at random. So it is done here, before the clock starts.
        var settle = Stopwatch.StartNew();
        await using (var connection = new Npgsql.NpgsqlConnection(PostgresSchema.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var table in (string[])["mt_events", "mt_streams"])
            {
                // One statement per command: VACUUM refuses to run in the implicit transaction of a multi-statement one.
                await using var vacuum = new Npgsql.NpgsqlCommand($"vacuum analyze {schema.Name}.{table}", connection) { CommandTimeout = 0 };
                await vacuum.ExecuteNonQueryAsync();
            }
        }
        Console.WriteLine($"   vacuum analyze of the fresh event tables: {settle.Elapsed.TotalSeconds:0.0} s (not timed as rebuild)");
        var daemon = await store.BuildProjectionDaemonAsync();
        var rebuilds = new Dictionary<string, double>();
        var rebuildCpu = new Dictionary<string, object>();
        // CPU seconds of this process and of the PostgreSQL server (found by its port) during each rebuild: on a busy
        // machine they vary far less than the wall-clock rate does.
        var postgres = ProcessCpu.ListeningOn(new Npgsql.NpgsqlConnectionStringBuilder(PostgresSchema.ConnectionString).Port);
        foreach (var projection in AlertsModule.CountryViews)
        {
            var (ownBefore, postgresBefore) = (ProcessCpu.Seconds(Environment.ProcessId), postgres is { } p0 ? ProcessCpu.TreeSeconds(p0) : 0);
            watch.Restart();
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(60), CancellationToken.None);
            rebuilds[projection] = Math.Round(events / watch.Elapsed.TotalSeconds);
            var own = ProcessCpu.Seconds(Environment.ProcessId) - ownBefore;
            var server = postgres is { } p1 ? ProcessCpu.TreeSeconds(p1) - postgresBefore : 0;
            rebuildCpu[projection] = new { alertsCpuSeconds = Math.Round(own, 1), postgresCpuSeconds = Math.Round(server, 1) };
            Console.WriteLine($"   rebuilt {projection} in {watch.Elapsed.TotalSeconds:0.0} s = {rebuilds[projection]:N0} store events/s " +
                              $"({articles / watch.Elapsed.TotalSeconds:N0} classification events/s); CPU {own:0.0} s here, {server:0.0} s PostgreSQL");
        }
        await daemon.StopAllAsync();
        result["rebuildEventsPerSecond"] = rebuilds;
        result["rebuildCpuSeconds"] = rebuildCpu;

        using var scope = app.Services.CreateScope();
        var queries = scope.ServiceProvider.GetRequiredService<CountryAlertQueries>();
        var filter = new AlertFilter(null, Severity.None, null, null, 50, null);
        foreach (var country in Countries.Take(5)) await queries.AlertsAsync(country, filter, CancellationToken.None); // warm up
        var timings = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var country = Countries[random.Next(Countries.Length)];
            var query = Stopwatch.StartNew();
            var alerts = await queries.AlertsAsync(country, i % 3 == 0 ? filter with { Topic = TopicIds[random.Next(TopicIds.Length)] } : filter, CancellationToken.None);
            timings.Add(query.Elapsed.TotalMilliseconds);
            if (alerts.Count == 0 && i % 3 != 0) throw new InvalidOperationException($"no alerts for {country}: the store is not what it should be");
        }
        timings.Sort();
        double P(double p) => timings[Math.Min(timings.Count - 1, (int)(p * timings.Count))];
        // The first call of a process also pays for compiling its queries; the ones after it are what a dashboard sees.
        watch.Restart();
        var summaries = await queries.CountriesAsync(CancellationToken.None);
        var countriesFirstMs = watch.Elapsed.TotalMilliseconds;
        var countriesTimings = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            watch.Restart();
            await queries.CountriesAsync(CancellationToken.None);
            countriesTimings.Add(watch.Elapsed.TotalMilliseconds);
        }
        countriesTimings.Sort();
        var countriesMs = countriesTimings[countriesTimings.Count / 2];
        Console.WriteLine($"   GET /api/countries/{{code}}/alerts?limit=50 (a third with a topic filter), 300 queries: " +
                          $"p50 {P(0.5):0.0} ms, p95 {P(0.95):0.0} ms, p99 {P(0.99):0.0} ms; GET /api/countries ({summaries.Count} countries): " +
                          $"first {countriesFirstMs:0} ms, then median {countriesMs:0} ms, max {countriesTimings[^1]:0} ms of 20");
        result["countryAlertsQueryP50Ms"] = Math.Round(P(0.5), 1);
        result["countryAlertsQueryP99Ms"] = Math.Round(P(0.99), 1);
        result["countriesQueryMs"] = Math.Round(countriesMs, 1);
        result["countriesFirstQueryMs"] = Math.Round(countriesFirstMs, 1);
        result["countriesMaxQueryMs"] = Math.Round(countriesTimings[^1], 1);
        if (explain) await ExplainAsync(app.Services, store);
        return result;
    }

    /// <summary>
    /// <c>--explain</c>: the plans of a country's alert query (the least common country, with a topic filter: the most
    /// rows to walk) as the API runs it, on this store.
    /// </summary>
    private static async Task ExplainAsync(IServiceProvider services, IDocumentStore store)
    {
        await using var session = store.QuerySession();
        var (country, topic) = (Countries[^1], TopicIds[^1]);
        var command = session.Query<CountryAlert>()
            .Where(a => a.Country == country && a.Active && a.Topics.Contains(topic))
            .OrderByDescending(a => a.DetectedAt).Take(50)
            .ToCommand();
        var database = services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var explain = database.CreateCommand("explain (analyze, buffers) " + command.CommandText);
        foreach (Npgsql.NpgsqlParameter parameter in command.Parameters) explain.Parameters.Add(parameter.Clone());
        Console.WriteLine($"   plan of {command.CommandText}");
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync()) Console.WriteLine("     " + reader.GetString(0));
    }

    private static Bus.ArticleClassified Article(int i, Random random, DateTimeOffset now)
    {
        var at = now.AddMinutes(-random.Next(30 * 24 * 60));
        // Skewed like real news: a few countries carry most of it.
        string Pick() => Countries[(int)(Math.Pow(random.NextDouble(), 2) * Countries.Length)];
        var primary = new[] { Pick(), Pick() }.Distinct().ToList();
        var topics = new[] { TopicIds[random.Next(TopicIds.Length)], TopicIds[random.Next(TopicIds.Length)] }.Distinct().ToList();
        var article = new Bus.ArticleFetched($"store-{i:D8}", 1, "https://feeds.example/rss", "Example Wire", $"https://news.example/{i}",
            $"Security news {i}", "Officials said the incident was under investigation as tensions rose along the border.", "en",
            at.AddMinutes(-5), at, $"hash-{i}");
        return new Bus.ArticleClassified(article, "en", primary.Select(c => new CountryMention(c, 3, true)).ToList(),
            topics.Select(t => new TopicScore(t, 2.5, [t])).ToList(), (Severity)(1 + random.Next(4)), "load-1", at);
    }
}
