using System.Diagnostics;
using Monitoring.Classification;
using Monitoring.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Testing;
using Xunit.Abstractions;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// The pipeline on a broker and a database of its own, killed (kill -9) and restarted mid-stream one after the
/// other, then each service in turn: every article published before a fault still ends up as exactly one set of
/// alerts on the exchange, none lost and none under two message ids.
/// </summary>
public sealed class FaultToleranceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Schema = "alerts";
    private PrivateServers _servers = null!;
    private Dictionary<string, string> _environment = null!;
    private readonly Dictionary<string, ServiceProcess> _services = [];

    public async Task InitializeAsync()
    {
        _servers = await PrivateServers.StartAsync();
        _environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = _servers.RabbitMq.ToString(),
            ["MONITORING_RABBITMQ_MANAGEMENT"] = _servers.RabbitMqManagement.ToString(),
            ["MONITORING_POSTGRES"] = _servers.Postgres,
            ["MONITORING_ALERTS_SCHEMA"] = Schema,
        };
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services.Values) await service.DisposeAsync();
        await _servers.DisposeAsync();
    }

    private async Task StartAsync(string name)
    {
        var service = ServiceProcess.Start(name, _environment);
        _services[name] = service;
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
    }

    private static ArticleFetched Article(string id)
    {
        var now = DateTimeOffset.UtcNow;
        return new ArticleFetched(id, 1, "https://feeds.example/rss", "Example Wire", $"https://news.example/{id}",
            $"Japan protests North Korean ballistic missile launch ({id})",
            "Japan's defence ministry said North Korea fired an intercontinental ballistic missile into the sea west of Hokkaido.",
            "en", now, now, "hash-" + id);
    }

    /// <summary>
    /// Publishes as the FeedPoller does, a few articles per message (ArticlesFetched), until the broker confirms each
    /// message (it may be down or restarting).
    /// </summary>
    private static async Task PublishAsync(BusPublisher bus, IEnumerable<ArticleFetched> articles)
    {
        foreach (var batch in articles.Chunk(5))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await bus.PublishAsync(new ArticlesFetched(batch)).WaitAsync(timeout.Token);
                    break;
                }
                catch (Exception) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(500);
                }
            }
        }
    }

    [Fact]
    public async Task Kill_9_of_the_broker_the_database_and_each_service_mid_stream_loses_no_alert_and_repeats_none()
    {
        var total = Stopwatch.StartNew();
        await StartAsync("Alerts");
        await StartAsync("Classifier");
        await using var queue = await AmqpTestQueue.BindAsync(_servers.RabbitMq, "#");
        await using var bus = await BusPublisher.StartAsync(_servers.RabbitMq);
        var published = new List<ArticleFetched>();

        async Task StreamAsync(string batch, int count)
        {
            var articles = Enumerable.Range(0, count).Select(i => Article($"{batch}-{i:D3}")).ToList();
            await PublishAsync(bus, articles);
            published.AddRange(articles);
        }

        await StreamAsync("before-broker", 40);
        await _servers.KillRabbitMqAsync();
        output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: killed RabbitMQ");
        await _servers.StartRabbitMqAsync();
        output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: RabbitMQ back");

        await StreamAsync("before-database", 40);
        await _servers.KillPostgresAsync();
        output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: killed PostgreSQL");
        await Task.Delay(2000);
        await _servers.StartPostgresAsync();
        output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: PostgreSQL back");

        foreach (var name in new[] { "Classifier", "Alerts" })
        {
            await StreamAsync($"before-{name.ToLowerInvariant()}", 40);
            _services[name].Kill();
            output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: killed {name}");
            await _services[name].DisposeAsync();
            await StartAsync(name);
            output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: {name} back");
        }
        await StreamAsync("after", 20);

        // What the classifier says each article alerts on is what must reach the exchange, exactly once each.
        var classifier = new ServiceCollection().AddArticleClassifier().BuildServiceProvider().GetRequiredService<IArticleClassifier>();
        var expected = published.SelectMany(a =>
        {
            var verdict = classifier.Classify(new ArticleText(a.ArticleId, a.Title, a.Text, a.LanguageHint, a.Url));
            return verdict.Severity == Severity.None ? [] :
                verdict.PrimaryCountries.SelectMany(c => verdict.Topics.Select(t => (a.ArticleId, c, t.Id)));
        }).ToHashSet();
        Assert.NotEmpty(expected);

        var received = await queue.WaitForAsync(m => m.Select(Key).ToHashSet().IsSupersetOf(expected), TimeSpan.FromSeconds(180));
        var byKey = received.GroupBy(Key).ToDictionary(g => g.Key, g => g.Select(m => m.MessageId).Distinct().ToList());
        Assert.Equal(expected.OrderBy(k => k.ToString()), byKey.Keys.OrderBy(k => k.ToString()));
        Assert.All(byKey, pair => Assert.Single(pair.Value));
        output.WriteLine($"{total.Elapsed.TotalSeconds:0}s: {published.Count} articles, {expected.Count} alert messages expected, " +
                         $"{received.Count} deliveries ({received.Count - byKey.Count} redeliveries under the same message id)");

        static (string, string, string) Key(AmqpMessage m) =>
            (m.Json.GetProperty("articleId").GetString()!, m.Json.GetProperty("country").GetString()!, m.Json.GetProperty("topic").GetString()!);
    }
}
