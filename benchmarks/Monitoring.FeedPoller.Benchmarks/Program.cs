using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security;
using System.Text;
using System.Xml.Linq;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.FeedPoller;
using Monitoring.FeedPoller.Registry;
using Monitoring.Hosting;
using Monitoring.Testing;
using Npgsql;

// Load run: the FeedPoller exactly as the service wires it (AddFeedPoller + AddMonitoringBus, real PostgreSQL and
// RabbitMQ) polls FEEDS feeds of ITEMS items each, served by a local Kestrel server on HOSTS loopback addresses
// (127.0.2.1, 127.0.2.2, ...: one request per host at a time still holds). Round 1: every article is new and published.
// Round 2: every feed is asked to poll now and answers 304 Not Modified. Prints the figures; stops by itself.
// CPU per article in round 1 is given for this process (the poller, but also the in-process feed server and the
// registry's PostgreSQL client) and for the RabbitMQ node when it runs on this machine.
var feeds = Option("--feeds", 1000);
var items = Option("--items", 50);
var hosts = Option("--hosts", 50);
var concurrency = Option("--concurrency", 64);
var schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
var folder = Directory.CreateTempSubdirectory("feedpoller-bench").FullName;
Console.WriteLine($"load run: {feeds} feeds x {items} items on {hosts} loopback hosts, {concurrency} polls in flight, " +
                  $"{Environment.ProcessorCount} cores, schema {schema}");

var server = await FeedServer.StartAsync(feeds, items, hosts);
var list = Path.Combine(folder, "feeds.opml");
await File.WriteAllTextAsync(list, new XDocument(new XElement("opml", new XAttribute("version", "2.0"), new XElement("body",
    Enumerable.Range(0, feeds).Select(i => new XElement("outline", new XAttribute("text", $"Feed {i}"), new XAttribute("xmlUrl", server.Url(i)))))))
    .ToString());

// A queue bound to the articles' exchange keeps every published message (as the classifier's queue would) without a
// consumer competing for the two cores during the timed round; its depth is checked afterwards, then it is deleted.
var queue = "bench-articles-" + schema;
await using var rabbit = await new RabbitMQ.Client.ConnectionFactory { Uri = MonitoringBus.RabbitMqUri(new ConfigurationBuilder().AddEnvironmentVariables().Build()) }
    .CreateConnectionAsync();
await using var channel = await rabbit.CreateChannelAsync();
const string ArticlesExchange = "Monitoring.Contracts:ArticlesFetched"; // MassTransit's name for the message type's exchange (a batch per poll)
await channel.ExchangeDeclareAsync(ArticlesExchange, RabbitMQ.Client.ExchangeType.Fanout, durable: true, autoDelete: false);
await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
await channel.QueueBindAsync(queue, ArticlesExchange, "");
var builder = WebApplication.CreateBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["MONITORING_FEEDS_FILE"] = list,
    ["MONITORING_FEEDPOLLER_SCHEMA"] = schema,
    ["MONITORING_ALLOW_PRIVATE_FEEDS"] = "1",
    ["MONITORING_HOST_SPACING_MS"] = "0",
    ["MONITORING_POLL_CONCURRENCY"] = concurrency.ToString(CultureInfo.InvariantCulture),
    ["MONITORING_POLL_MIN_SECONDS"] = "86400",
    ["MONITORING_POLL_MAX_SECONDS"] = "86400",
    ["MONITORING_TELEMETRY"] = "none",
    ["urls"] = "http://127.0.0.1:0",
});
builder.AddServiceDefaults("monitoring-feedpoller-bench", "http://127.0.0.1:0");
builder.AddMonitoringBus(_ => { });
builder.AddFeedPoller();
var app = builder.Build();
var registry = app.Services.GetRequiredService<FeedRegistry>();
// A poll counts as done when the registry reports it, which happens after its state and history are stored.
var stored = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
registry.Changed += (feed, _) =>
{
    if (feed.LastAttemptAt is { } attempt) stored.AddOrUpdate(feed.Id, attempt, (_, old) => attempt > old ? attempt : old);
};

var exitCode = 0;
try
{
    await app.StartAsync();
    // The scheduler opens the registry (schema, operator's list) as it starts: until then the tables may not exist.
    await WaitForAsync(async () =>
    {
        try
        {
            return (await registry.ListAsync(CancellationToken.None)).Count == feeds;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }, TimeSpan.FromMinutes(1));
    var total = feeds * items;

    // Round 1: every feed due at once, every article new.
    var brokerPid = ProcessCpu.ListeningOn(MonitoringBus.RabbitMqUri(app.Configuration).Port);
    var (processCpu1, brokerCpu1) = (Environment.CpuUsage.TotalTime, ProcessCpu.Seconds(brokerPid));
    var round1 = Stopwatch.StartNew();
    await WaitAsync(() => stored.Count == feeds, TimeSpan.FromMinutes(10));
    round1.Stop();
    var (processCpu, brokerCpu) = ((Environment.CpuUsage.TotalTime - processCpu1).TotalSeconds, ProcessCpu.Seconds(brokerPid) - brokerCpu1);
    var watched = await registry.ListAsync(CancellationToken.None);
    var published = watched.Sum(f => f.ArticlesPublished);
    var failing = watched.Count(f => f.ConsecutiveFailures > 0);
    Console.WriteLine($"round 1 (all new): {feeds} feeds polled, {published} articles published (broker-confirmed, state stored) " +
                      $"in {round1.Elapsed.TotalSeconds:F2} s = {published / round1.Elapsed.TotalSeconds:F0} new articles/s; {failing} feeds failing");
    Console.WriteLine($"         CPU per article: this process (poller + feed server) {processCpu / published * 1000:F3} ms, " +
                      $"RabbitMQ {(brokerPid is null ? "n/a" : $"{brokerCpu / published * 1000:F3} ms")}; load average {string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}");
    var queued = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    Console.WriteLine($"         the queue bound to the articles' exchange holds {queued} messages (batches of a poll's articles)");

    // Round 2: every feed asked to poll now; the server answers 304 to the ETag it gave.
    var before = DateTimeOffset.UtcNow;
    var round2 = Stopwatch.StartNew();
    foreach (var feed in watched) await registry.PollNowAsync(feed.Id, CancellationToken.None);
    await WaitAsync(() => stored.Values.Count(attempt => attempt > before) == feeds, TimeSpan.FromMinutes(5));
    round2.Stop();
    watched = await registry.ListAsync(CancellationToken.None);
    var notModified = watched.Count(f => f.LastStatus == 304);
    Console.WriteLine($"round 2 (all 304): {feeds} feeds polled in {round2.Elapsed.TotalSeconds:F2} s ({notModified} answered 304 Not Modified; " +
                      $"{watched.Sum(f => f.ArticlesPublished) - published} articles published)");
    Console.WriteLine($"server saw {server.Requests} requests, {server.ConditionalRequests} conditional");
    if (published != total || queued != total || notModified != feeds) exitCode = 1;
}
finally
{
    await app.StopAsync();
    await server.DisposeAsync();
    await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
    await using (var connection = new NpgsqlConnection(PostgresConnection.From(app.Configuration)))
    {
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop schema if exists \"{schema}\" cascade", connection);
        await drop.ExecuteNonQueryAsync();
    }
    Directory.Delete(folder, recursive: true);
}
return exitCode;

static async Task WaitForAsync(Func<Task<bool>> done, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (!await done())
    {
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the feed list was not loaded in time");
        await Task.Delay(100);
    }
}

static async Task WaitAsync(Func<bool> done, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (!done())
    {
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the load run did not finish in time");
        await Task.Delay(20);
    }
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Serves the feeds from memory on several loopback addresses, with an ETag per feed.</summary>
internal sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly int _hosts;
    private readonly int _port;
    private long _requests;
    private long _conditional;

    private FeedServer(WebApplication app, int hosts, int port) => (_app, _hosts, _port) = (app, hosts, port);

    public long Requests => Interlocked.Read(ref _requests);
    public long ConditionalRequests => Interlocked.Read(ref _conditional);

    public string Url(int feed) => $"http://127.0.2.{1 + feed % _hosts}:{_port}/feeds/{feed}.xml";

    public static async Task<FeedServer> StartAsync(int feeds, int items, int hosts)
    {
        var bodies = Enumerable.Range(0, feeds).Select(f => Encoding.UTF8.GetBytes(Feed(f, items))).ToArray();
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            for (var h = 1; h <= hosts; h++) kestrel.Listen(IPAddress.Parse($"127.0.2.{h}"), port);
        });
        var app = builder.Build();
        FeedServer? server = null;
        app.MapGet("/feeds/{feed:int}.xml", async (int feed, HttpContext context) =>
        {
            Interlocked.Increment(ref server!._requests);
            if (context.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                Interlocked.Increment(ref server._conditional);
                context.Response.StatusCode = 304;
                return;
            }
            context.Response.Headers.ETag = "\"v1\"";
            context.Response.ContentType = "application/rss+xml; charset=utf-8";
            await context.Response.Body.WriteAsync(bodies[feed]);
        });
        await app.StartAsync();
        server = new FeedServer(app, hosts, port);
        return server;
    }

    private static string Feed(int feed, int items)
    {
        var text = new StringBuilder($"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Bench feed {feed}</title><link>https://bench{feed}.example/</link><language>en</language>");
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < items; i++)
        {
            text.Append($"<item><title>Feed {feed} reports incident {i}: naval exercise near the strait</title>")
                .Append($"<link>https://bench{feed}.example/news/{i}?utm_source=rss</link><guid>bench-{feed}-{i}</guid>")
                .Append($"<pubDate>{now.AddMinutes(-7 * i):r}</pubDate><description>")
                .Append(SecurityElement.Escape($"<p>Article {i} of feed {feed}. Officials said on Tuesday that ships and aircraft took part in a joint exercise; " +
                                               "analysts described the drills as a signal to neighbours amid rising tension over missile tests and cyber attacks.</p>"))
                .Append("</description></item>");
        }
        return text.Append("</channel></rss>").ToString();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Parse("127.0.2.1"), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
