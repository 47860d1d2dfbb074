using System.Collections.Concurrent;
using MassTransit;
using Monitoring.Classification.Evaluation;
using Monitoring.Contracts;
using Monitoring.Testing;
using Xunit.Abstractions;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// With <c>MONITORING_QUORUM_QUEUES=1</c> the pipeline's consumer queues are quorum queues and articles flow through
/// them; a classic queue left by an earlier deployment is refused visibly, not silently kept.
/// </summary>
public sealed class QuorumQueueTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PostgresSchema _schema = PostgresSchema.Create("quorum");
    private RabbitMqVirtualHost _broker = null!;
    private Dictionary<string, string> _environment = null!;

    public async Task InitializeAsync()
    {
        _broker = await RabbitMqVirtualHost.CreateAsync("quorum");
        _environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = _broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_ALERTS_SCHEMA"] = _schema.Name,
            ["MONITORING_QUORUM_QUEUES"] = "1",
        };
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task With_quorum_queues_the_pipelines_endpoints_are_quorum_queues_and_the_seed_article_becomes_alerts()
    {
        await using var alerts = ServiceProcess.Start("Alerts", _environment);
        await using var classifier = ServiceProcess.Start("Classifier", _environment);
        await Task.WhenAll(alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), classifier.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        await using var japan = await AmqpTestQueue.BindAsync(_broker.AmqpUri, "JP.#");
        await using var bus = await BusPublisher.StartAsync(_broker.AmqpUri);

        var seed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-article.id.txt")).Split('\n', 2);
        var now = DateTimeOffset.UtcNow;
        await bus.PublishAsync(new ArticleFetched("quorum-seed", 1, "https://kabar.example/rss", "Kabar Lokal", "https://kabar.example/ue-jepang",
            seed[0].Trim(), seed[1].Trim(), "id", now, now, "hash-quorum-seed"));
        var received = await japan.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(60));
        Assert.Equal("quorum-seed", received[0].Json.GetProperty("articleId").GetString());

        // A message no consumer of the queue takes is moved to its _skipped queue at once, an invalid article (revision 0)
        // to its _error queue at once: those are quorum queues too.
        await bus.SendAsync("classifier-article-fetched", new NotForTheClassifier("stray"));
        await bus.PublishAsync(new ArticleFetched("quorum-invalid", 0, "https://kabar.example/rss", "Kabar Lokal", "https://kabar.example/x",
            "Title", "Text", "id", now, now, "hash-quorum-invalid"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (await _broker.QueuesAsync()).Count(q => q.Name is "classifier-article-fetched_skipped" or "classifier-article-fetched_error") < 2)
            await Task.Delay(200);

        var queues = (await _broker.QueuesAsync()).ToDictionary(q => q.Name, q => q.Type);
        output.WriteLine(string.Join(", ", queues.Select(q => $"{q.Key}: {q.Value}")));
        Assert.Equal("quorum", queues["classifier-article-fetched"]);
        Assert.Equal("quorum", queues["alerts-article-classified"]);
        Assert.Equal("quorum", queues["classifier-articles-fetched"]);
        Assert.Equal("quorum", queues["alerts-articles-classified"]);
        Assert.Equal("quorum", queues["classifier-article-fetched_skipped"]);
        Assert.Equal("quorum", queues["classifier-article-fetched_error"]);
        // Classic stay only the test's own AMQP queue (q_...) and any bus's temporary queue (exclusive, auto-deleted).
        Assert.All(queues.Where(q => q.Value != "quorum"), q => Assert.Matches("^q_|_bus_", q.Key));
    }

    [Fact]
    public async Task A_classic_queue_from_an_earlier_deployment_keeps_the_service_not_ready_with_the_reason_in_its_log()
    {
        var classic = new Dictionary<string, string>(_environment) { ["MONITORING_QUORUM_QUEUES"] = "0" };
        await using (var before = ServiceProcess.Start("Classifier", classic))
        {
            await before.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }
        Assert.Equal("classic", (await _broker.QueuesAsync()).Single(q => q.Name == "classifier-article-fetched").Type);

        await using var after = ServiceProcess.Start("Classifier", _environment);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !after.Output.Any(line => line.Contains("inequivalent arg 'x-queue-type'"))) await Task.Delay(200);
        // Either of its two queues (single articles, batches) may be the one the broker refuses first.
        Assert.Contains(after.Output, line => line.Contains("inequivalent arg 'x-queue-type'") &&
                                              (line.Contains("classifier-article-fetched") || line.Contains("classifier-articles-fetched")));
        using var ready = await after.Http.GetAsync("health/ready");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.False(after.HasExited, "the service keeps running and reports itself not ready");
    }
}

/// <summary>A message type no service consumes.</summary>
public sealed record NotForTheClassifier(string Note);

/// <summary>The Classifier in two processes on one queue: competing consumers, each article classified once.</summary>
public sealed class ClassifierReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RabbitMqVirtualHost _broker = null!;

    public async Task InitializeAsync() => _broker = await RabbitMqVirtualHost.CreateAsync("classifiers");

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Two_classifier_replicas_both_consume_and_every_article_is_classified_once()
    {
        var environment = new Dictionary<string, string> { ["MONITORING_RABBITMQ"] = _broker.AmqpUri.ToString() };
        await using var first = ServiceProcess.Start("Classifier", environment);
        await using var second = ServiceProcess.Start("Classifier", environment);
        await Task.WhenAll(first.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), second.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (await _broker.QueuesAsync()).SingleOrDefault(q => q.Name == "classifier-article-fetched")?.Consumers != 2)
            await Task.Delay(200);
        Assert.Equal(2, (await _broker.QueuesAsync()).Single(q => q.Name == "classifier-article-fetched").Consumers);

        // Who classified an article: MassTransit puts the sending process in every message's envelope.
        var classified = new ConcurrentQueue<(string ArticleId, int ProcessId)>();
        await using var bus = await BusPublisher.StartAsync(_broker.AmqpUri, cfg => cfg.ReceiveEndpoint("classified-by-replica", e =>
            e.Handler<ArticleClassified>(context =>
            {
                classified.Enqueue((context.Message.Article.ArticleId, context.Host.ProcessId));
                return Task.CompletedTask;
            })));
        var labelled = LabelledArticle.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "classification-eval", "articles.jsonl"));
        var now = DateTimeOffset.UtcNow;
        var articles = Enumerable.Range(0, 400).Select(i => labelled[i % labelled.Count]).Select((a, i) => new ArticleFetched(
            $"replica-{i:D3}-{a.Id}", 1, "https://wire.example/rss", "Wire", $"https://wire.example/{i}", a.Title, a.Text, null, now, now, $"hash-{i}")).ToList();
        await Task.WhenAll(articles.Select(a => bus.PublishAsync(a)));

        deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && classified.Select(c => c.ArticleId).Distinct().Count() < articles.Count) await Task.Delay(100);
        await Task.Delay(1000); // a duplicate would arrive now

        var byArticle = classified.GroupBy(c => c.ArticleId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(articles.Select(a => a.ArticleId).Order(), byArticle.Keys.Order());
        Assert.All(byArticle, a => Assert.True(a.Value == 1, $"{a.Key} classified {a.Value} times"));
        var byReplica = classified.GroupBy(c => c.ProcessId).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"first replica (pid {first.ProcessId}) classified {byReplica.GetValueOrDefault(first.ProcessId)}, " +
                         $"second (pid {second.ProcessId}) {byReplica.GetValueOrDefault(second.ProcessId)}");
        Assert.True(byReplica.GetValueOrDefault(first.ProcessId) > 0, "the first replica consumed nothing");
        Assert.True(byReplica.GetValueOrDefault(second.ProcessId) > 0, "the second replica consumed nothing");
        Assert.Equal(articles.Count, byReplica.Values.Sum());
    }
}
