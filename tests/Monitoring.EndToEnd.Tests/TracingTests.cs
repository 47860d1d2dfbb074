using System.Diagnostics;
using System.Text.RegularExpressions;
using Monitoring.Contracts;
using Monitoring.Testing;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// One trace per article across services: the Classifier and Alerts run as separate processes exporting their
/// spans to the console (the default exporter), and every stage of one article shows up under one trace id.
/// </summary>
public sealed partial class TracingTests : IAsyncLifetime
{
    private readonly PostgresSchema _schema = PostgresSchema.Create("trace");
    private RabbitMqVirtualHost _broker = null!;
    private ServiceProcess _classifier = null!;
    private ServiceProcess _alerts = null!;

    public async Task InitializeAsync()
    {
        _broker = await RabbitMqVirtualHost.CreateAsync("trace");
        var environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = _broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_ALERTS_SCHEMA"] = _schema.Name,
            ["MONITORING_TELEMETRY"] = "console",
        };
        _alerts = ServiceProcess.Start("Alerts", environment);
        _classifier = ServiceProcess.Start("Classifier", environment);
        await Task.WhenAll(_alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), _classifier.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
    }

    public async Task DisposeAsync()
    {
        await _classifier.DisposeAsync();
        await _alerts.DisposeAsync();
        await _broker.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task An_article_s_classify_record_project_and_alert_spans_share_one_trace_across_services()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var poll = new Activity("poll feed (test)").SetIdFormat(ActivityIdFormat.W3C).Start();
        var traceId = poll.TraceId.ToString();

        await using (var bus = await BusPublisher.StartAsync(_broker.AmqpUri))
        {
            var now = DateTimeOffset.UtcNow;
            await bus.PublishAsync(new ArticleFetched("trace-1", 1, "https://feeds.example/rss", "Example Wire", "https://news.example/trace-1",
                "North Korea fires ballistic missile over Japan", "Japan's defence ministry said the ICBM flew for 40 minutes.",
                "en", now, now, "hash-trace-1"));
        }
        poll.Stop();

        var expected = new[] { ("Classifier", "classify article"), ("Classifier", "ArticleClassified send"), ("Alerts", "record article"), ("Alerts", "project country alert"), ("Alerts", "publish alert") };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> missing;
        do
        {
            await Task.Delay(500);
            missing = expected.Where(e => !SpanNames(e.Item1 == "Alerts" ? _alerts : _classifier, traceId).Any(n => n.Contains(e.Item2)))
                .Select(e => $"{e.Item1}: {e.Item2}").ToList();
        } while (missing.Count > 0 && DateTime.UtcNow < deadline);

        Assert.True(missing.Count == 0,
            $"spans missing from trace {traceId}: {string.Join("; ", missing)}\nClassifier spans: {string.Join(", ", SpanNames(_classifier, traceId))}\n" +
            $"Alerts spans: {string.Join(", ", SpanNames(_alerts, traceId))}");
    }

    /// <summary>Display names of the spans a service's console exporter printed for one trace.</summary>
    private static List<string> SpanNames(ServiceProcess service, string traceId)
    {
        var names = new List<string>();
        string? currentTrace = null;
        foreach (var line in service.Output)
        {
            if (TraceIdLine().Match(line) is { Success: true } trace) currentTrace = trace.Groups[1].Value;
            else if (DisplayNameLine().Match(line) is { Success: true } name && currentTrace == traceId) names.Add(name.Groups[1].Value.Trim());
        }
        return names;
    }

    [GeneratedRegex(@"Activity\.TraceId:\s+([0-9a-f]{32})")]
    private static partial Regex TraceIdLine();

    [GeneratedRegex(@"Activity\.DisplayName:\s+(.+)$")]
    private static partial Regex DisplayNameLine();
}
