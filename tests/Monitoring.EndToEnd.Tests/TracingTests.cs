using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Monitoring.Testing;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// One trace per article across services: the FeedPoller, Classifier and Alerts run as separate processes exporting
/// their spans to the console (the default exporter); every stage of one fetched article appears under one trace id.
/// </summary>
public sealed partial class TracingTests : IAsyncLifetime
{
    private const string ArticleTitle = "North Korea fires ballistic missile over Japan";
    private const string SecondTitle = "China fires ballistic missiles near Taiwan";
    private readonly PostgresSchema _alertsSchema = PostgresSchema.Create("trace");
    private readonly PostgresSchema _feedsSchema = PostgresSchema.Create("trace_feeds");
    private readonly string _folder = Directory.CreateTempSubdirectory("trace").FullName;
    private readonly List<ServiceProcess> _services = [];
    private RabbitMqVirtualHost _broker = null!;
    private LocalHttpServer _feed = null!;

    public async Task InitializeAsync()
    {
        _broker = await RabbitMqVirtualHost.CreateAsync("trace");
        _feed = await LocalHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/rss+xml";
            await context.Response.WriteAsync(new XDocument(new XElement("rss", new XAttribute("version", "2.0"), new XElement("channel",
                new XElement("title", "Trace Wire"),
                new XElement("item",
                    new XElement("title", ArticleTitle), new XElement("link", "https://news.example/trace-1"),
                    new XElement("description", "Japan's defence ministry said the ICBM flew for 40 minutes before falling into the sea.")),
                new XElement("item",
                    new XElement("title", SecondTitle), new XElement("link", "https://news.example/trace-2"),
                    new XElement("description", "Taiwan's defence ministry said China fired two ballistic missiles into the sea north of the island during military drills.")))))
                .ToString());
        });
        var feeds = Path.Combine(_folder, "feeds.opml");
        await File.WriteAllTextAsync(feeds, new XDocument(new XElement("opml", new XElement("body",
            new XElement("outline", new XAttribute("text", "Trace Wire"), new XAttribute("xmlUrl", _feed.Url("rss").ToString()))))).ToString());
        var environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = _broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_ALERTS_SCHEMA"] = _alertsSchema.Name,
            ["MONITORING_FEEDPOLLER_SCHEMA"] = _feedsSchema.Name,
            ["MONITORING_FEEDS_FILE"] = feeds,
            ["MONITORING_ALLOW_PRIVATE_FEEDS"] = "1",
            ["MONITORING_TELEMETRY"] = "console",
        };
        foreach (var name in new[] { "Alerts", "Classifier" }) _services.Add(ServiceProcess.Start(name, environment));
        await Task.WhenAll(_services.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        _services.Add(ServiceProcess.Start("FeedPoller", environment));
        await _services[^1].WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await _feed.DisposeAsync();
        await _broker.DisposeAsync();
        await _alertsSchema.DisposeAsync();
        await _feedsSchema.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// The poll's two articles travel in one message (a batch) to the Classifier and on to Alerts, yet each keeps a trace of
    /// its own: every "fetch article" trace has its classify, record, project and publish spans.
    /// </summary>
    [Fact]
    public async Task Each_fetched_article_s_publish_classify_record_project_and_alert_spans_share_one_trace_across_services()
    {
        var (alerts, classifier, poller) = (_services[0], _services[1], _services[2]);
        var expected = new[] { (classifier, "classify article"), (alerts, "record article"), (alerts, "project country alert"), (alerts, "publish alert") };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> traces = [];
        List<string> missing = [];
        do
        {
            await Task.Delay(500);
            traces = Spans(poller).Where(s => s.Name == "fetch article").Select(s => s.TraceId).Distinct().ToList();
            if (traces.Count < 2) continue;
            missing = traces.SelectMany(trace => expected.Where(e => !Spans(e.Item1).Any(s => s.TraceId == trace && s.Name == e.Item2))
                .Select(e => $"{trace} {e.Item1.Name}: {e.Item2}")).ToList();
        } while ((traces.Count < 2 || missing.Count > 0) && DateTime.UtcNow < deadline);

        Assert.True(traces.Count == 2, $"the FeedPoller exported {traces.Count} 'fetch article' traces, expected one per article:\n" + poller.RecentOutput);
        Assert.True(missing.Count == 0, $"spans missing: {string.Join("; ", missing)}\n" +
            string.Join("\n", traces.SelectMany(trace => _services.Select(s =>
                $"{trace} {s.Name}: {string.Join(", ", Spans(s).Where(x => x.TraceId == trace).Select(x => x.Name))}"))));
    }

    /// <summary>The spans (trace id, display name) a service's console exporter printed.</summary>
    private static List<(string TraceId, string Name)> Spans(ServiceProcess service)
    {
        var spans = new List<(string, string)>();
        string? trace = null;
        foreach (var line in service.Output)
        {
            if (TraceIdLine().Match(line) is { Success: true } t) trace = t.Groups[1].Value;
            else if (DisplayNameLine().Match(line) is { Success: true } n && trace is not null) spans.Add((trace, n.Groups[1].Value.Trim()));
        }
        return spans;
    }

    [GeneratedRegex(@"Activity\.TraceId:\s+([0-9a-f]{32})")]
    private static partial Regex TraceIdLine();

    [GeneratedRegex(@"Activity\.DisplayName:\s+(.+)$")]
    private static partial Regex DisplayNameLine();
}
