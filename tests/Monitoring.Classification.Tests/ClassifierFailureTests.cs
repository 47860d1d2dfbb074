using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitoring.Classification;
using Monitoring.Classifier;
using Monitoring.Contracts;
using Monitoring.Hosting;
using Monitoring.Testing;

namespace Monitoring.Classification.Tests;

/// <summary>
/// A classifier that fails on one article (a bug, not an invalid message) must not hold the others up: the Classifier
/// service, composed as its Program.cs does, on the real RabbitMQ, with the classifier replaced by one that throws for
/// a chosen article. The failing message is retried in the background (and would reach the _error queue after the
/// retry schedule, about three minutes) while every other article is classified.
/// </summary>
public sealed class ClassifierFailureTests
{
    private sealed class FailingOn(IArticleClassifier inner, string articleId) : IArticleClassifier
    {
        public int Failures;

        public string Version => inner.Version;

        public ClassificationResult Classify(ArticleText article)
        {
            if (article.Id != articleId) return inner.Classify(article);
            Interlocked.Increment(ref Failures);
            throw new InvalidOperationException("classifier bug on " + articleId);
        }
    }

    /// <summary>Collects what the Classifier publishes, from a queue of its own on the same broker.</summary>
    public sealed class ClassifiedCollector : IConsumer<ArticleClassified>
    {
        public static readonly ConcurrentDictionary<string, ArticleClassified> Received = new();

        public Task Consume(ConsumeContext<ArticleClassified> context)
        {
            Received[context.Message.Article.ArticleId] = context.Message;
            return Task.CompletedTask;
        }
    }

    /// <summary>Collects the batches the Classifier publishes for batches of fetched articles.</summary>
    public sealed class ClassifiedBatchCollector : IConsumer<ArticlesClassified>
    {
        public Task Consume(ConsumeContext<ArticlesClassified> context)
        {
            foreach (var classified in context.Message.Articles) ClassifiedCollector.Received[classified.Article.ArticleId] = classified;
            return Task.CompletedTask;
        }
    }

    private static ArticleFetched Article(string id, string title) => new(id, 1, "https://feeds.example/rss", "Example Wire",
        $"https://news.example/{id}", title, title + ". Officials said the talks would continue next week.", "en",
        DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow, "hash-" + id);

    private static async Task<bool> ConsumedAsync(RabbitMqVirtualHost broker, string queue) =>
        (await broker.QueuesAsync()).Any(q => q.Name == queue && q.Consumers > 0);

    [Fact]
    public Task An_article_the_classifier_fails_on_is_retried_in_the_background_while_all_the_others_are_classified() =>
        RunAsync(async (bus, broken, others) =>
        {
            // The broken article goes first, then the others behind it in the same queue, one message each.
            await bus.Publish(broken);
            foreach (var article in others) await bus.Publish(article);
        });

    [Fact]
    public Task An_article_the_classifier_fails_on_inside_a_batch_goes_back_alone_to_be_retried_while_its_batch_and_the_others_are_classified() =>
        RunAsync(async (bus, broken, others) =>
        {
            // As the FeedPoller publishes a poll's articles: batches of ten, the broken article in the middle of the first.
            var batches = others.Chunk(10).Select(b => b.ToList()).ToList();
            batches[0].Insert(5, broken);
            foreach (var batch in batches) await bus.Publish(new ArticlesFetched(batch));
        });

    private static async Task RunAsync(Func<IBus, ArticleFetched, IReadOnlyList<ArticleFetched>, Task> publish)
    {
        await using var broker = await RabbitMqVirtualHost.CreateAsync("clsfail");
        var run = Guid.NewGuid().ToString("N")[..8];
        var brokenId = $"broken-{run}";
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["MONITORING_RABBITMQ"] = broker.AmqpUri.ToString();
        builder.Configuration["MONITORING_TELEMETRY"] = "none";
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.AddServiceDefaults("monitoring-classifier-test", "http://127.0.0.1:0");
        builder.AddClassifier();
        var failing = new FailingOn(new MultilingualClassifier(), brokenId);
        builder.Services.AddSingleton<IArticleClassifier>(failing);
        builder.AddMonitoringBus(bus =>
        {
            bus.AddConsumer<ArticleFetchedConsumer, ArticleFetchedConsumerDefinition>();
            bus.AddConsumer<ArticlesFetchedConsumer, ArticlesFetchedConsumerDefinition>();
            bus.AddConsumer<ClassifiedCollector>().Endpoint(e => e.Name = $"test-classified-{run}");
            bus.AddConsumer<ClassifiedBatchCollector>().Endpoint(e => e.Name = $"test-classified-batches-{run}");
        });
        // The broken article is still being retried when the test ends: do not wait the service's 30 s for it on stop.
        builder.Services.Configure<MassTransitHostOptions>(options => options.StopTimeout = TimeSpan.FromSeconds(2));
        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            var bus = app.Services.GetRequiredService<IBus>();
            // The bus starts in the background: publish once every consumer's queue is bound and consumed.
            var ready = DateTime.UtcNow.AddSeconds(60);
            string[] queues = [ArticleFetchedConsumerDefinition.Name, ArticlesFetchedConsumerDefinition.Name, $"test-classified-{run}", $"test-classified-batches-{run}"];
            while (!(await Task.WhenAll(queues.Select(q => ConsumedAsync(broker, q)))).All(c => c))
            {
                Assert.True(DateTime.UtcNow < ready, "the Classifier's bus did not start");
                await Task.Delay(200);
            }
            var broken = Article(brokenId, "Japan and the EU sign a defence pact");
            var others = Enumerable.Range(0, 60).Select(i => Article($"ok-{run}-{i:D2}", $"Navy ships gather near Taiwan as China holds drills ({i})")).ToList();
            await publish(bus, broken, others);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (others.Any(a => !ClassifiedCollector.Received.ContainsKey(a.ArticleId)) && DateTime.UtcNow < deadline) await Task.Delay(200);

            Assert.All(others, a => Assert.True(ClassifiedCollector.Received.ContainsKey(a.ArticleId), $"{a.ArticleId} was not classified"));
            Assert.False(ClassifiedCollector.Received.ContainsKey(brokenId));
            Assert.True(failing.Failures >= 1, "the classifier was never asked about the broken article");
            // Still being retried, not dropped: the message is held unacknowledged by the single-article consumer, and nothing
            // went to _error yet. (The management API refreshes its figures every few seconds.)
            long unacknowledged = -1;
            for (var attempt = 0; attempt < 50 && unacknowledged != 1; attempt++)
            {
                if (attempt > 0) await Task.Delay(300);
                var queue = await broker.Management.GetFromJsonAsync<JsonElement>(
                    $"api/queues/{Uri.EscapeDataString(broker.Name)}/{ArticleFetchedConsumerDefinition.Name}");
                unacknowledged = queue.TryGetProperty("messages_unacknowledged", out var value) ? value.GetInt64() : -1;
            }
            Assert.Equal(1, unacknowledged);
            Assert.False(ClassifiedCollector.Received.ContainsKey(brokenId));
            Assert.DoesNotContain(await broker.QueuesAsync(), q => q.Name.EndsWith("_error") && q.Messages > 0);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
