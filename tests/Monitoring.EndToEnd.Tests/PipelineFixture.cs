using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Monitoring.Testing;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// The whole system as it runs in production: FeedPoller, Classifier and Alerts as three separate
/// processes on the real RabbitMQ (a virtual host of this fixture's own) and the real PostgreSQL (own schemas),
/// fed by a local HTTP server serving a feed with the founding seed article.
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    private readonly PostgresSchema _alertsSchema = PostgresSchema.Create("e2e_alerts");
    private readonly PostgresSchema _feedsSchema = PostgresSchema.Create("e2e_feeds");
    private readonly string _folder = Directory.CreateTempSubdirectory("e2e").FullName;
    private readonly List<ServiceProcess> _services = [];

    public RabbitMqVirtualHost Broker { get; private set; } = null!;
    public LocalHttpServer FeedServer { get; private set; } = null!;
    public ServiceProcess Alerts { get; private set; } = null!;
    public ServiceProcess Classifier { get; private set; } = null!;
    public ServiceProcess FeedPoller { get; private set; } = null!;

    /// <summary>A plain AMQP subscriber bound to <c>JP.#</c> before the first article was fetched.</summary>
    public AmqpTestQueue JapanQueue { get; private set; } = null!;
    public (string Title, string Text) Seed { get; } = ReadSeed();

    public async Task InitializeAsync()
    {
        Broker = await RabbitMqVirtualHost.CreateAsync("e2e");
        FeedServer = await LocalHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/rss+xml; charset=utf-8";
            await context.Response.WriteAsync(SeedFeed(FeedServerBase!));
        });
        FeedServerBase = FeedServer.BaseAddress;
        var feedsFile = Path.Combine(_folder, "feeds.opml");
        await File.WriteAllTextAsync(feedsFile, new XDocument(new XElement("opml", new XAttribute("version", "2.0"),
            new XElement("body", new XElement("outline", new XAttribute("text", "Kabar Lokal"), new XAttribute("language", "id"),
                new XAttribute("xmlUrl", FeedServer.Url("feed.xml").ToString()))))).ToString());

        var environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = Broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_ALERTS_SCHEMA"] = _alertsSchema.Name,
            ["MONITORING_FEEDPOLLER_SCHEMA"] = _feedsSchema.Name,
            ["MONITORING_FEEDS_FILE"] = feedsFile,
            ["MONITORING_ALLOW_PRIVATE_FEEDS"] = "1",
            ["MONITORING_POLL_MIN_SECONDS"] = "2",
            ["MONITORING_POLL_MAX_SECONDS"] = "10",
            ["MONITORING_API_KEY"] = "e2e-key",
        };
        // Alerts first: its consumer queue must exist before the first article is published.
        Alerts = Start("Alerts", environment);
        Classifier = Start("Classifier", environment);
        await Task.WhenAll(Alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), Classifier.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        JapanQueue = await AmqpTestQueue.BindAsync(Broker.AmqpUri, "JP.#");
        FeedPoller = Start("FeedPoller", environment);
        await FeedPoller.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    private Uri? FeedServerBase { get; set; }

    private ServiceProcess Start(string name, Dictionary<string, string> environment)
    {
        var service = ServiceProcess.Start(name, environment);
        _services.Add(service);
        return service;
    }

    /// <summary>Polls a country's alerts until <paramref name="until"/> holds or the time is up.</summary>
    public async Task<JsonElement> WaitForAlertsAsync(string country, Func<JsonElement, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await Alerts.Http.GetFromJsonAsync<JsonElement>($"api/countries/{country}/alerts");
            if (until(last)) return last;
            await Task.Delay(250);
        }
        throw new TimeoutException($"{country} alerts did not reach the expected state in {timeout}. Last answer: {last}\n" +
            $"--- FeedPoller:\n{FeedPoller.RecentOutput}\n--- Classifier:\n{Classifier.RecentOutput}\n--- Alerts:\n{Alerts.RecentOutput}");
    }

    private string SeedFeed(Uri baseAddress) => new XDocument(new XElement("rss", new XAttribute("version", "2.0"),
        new XElement("channel",
            new XElement("title", "Kabar Lokal"), new XElement("link", baseAddress.ToString()), new XElement("language", "id"),
            new XElement("item",
                new XElement("title", Seed.Title),
                new XElement("link", new Uri(baseAddress, "berita/ue-jepang?utm_source=rss").ToString()),
                new XElement("guid", "seed-eu-japan"),
                new XElement("pubDate", "Fri, 01 Nov 2024 09:30:00 GMT"),
                new XElement("description", Seed.Text))))).ToString();

    private static (string, string) ReadSeed()
    {
        var lines = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-article.id.txt")).Split('\n', 2);
        return (lines[0].Trim(), lines[1].Trim());
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await JapanQueue.DisposeAsync();
        await FeedServer.DisposeAsync();
        await Broker.DisposeAsync();
        await _alertsSchema.DisposeAsync();
        await _feedsSchema.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
