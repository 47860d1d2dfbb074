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

    private static ArticleFetched Article(string id, string title) => new(id, 1, "https://feeds.example/rss", "Example Wire",
        $"https://news.example/{id}", title, title + ". Officials said the talks would continue next week.", "en",
        DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow, "hash-" + id);

    private static async Task<bool> ConsumedAsync(RabbitMqVirtualHost broker, string queue) =>
        (await broker.QueuesAsync()).Any(q => q.Name == queue && q.Consumers > 0);

    [Fact]
    public async Task An_article_the_classifier_fails_on_is_retried_in_the_background_while_all_the_others_are_classified()
    {
        await using var broker = await RabbitMqVirtualHost.CreateAsync("clsfail");
        var run = Guid.NewGuid().ToString("N")[..8];
        var broken = $"broken-{run}";
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["MONITORING_RABBITMQ"] = broker.AmqpUri.ToString();
        builder.Configuration["MONITORING_TELEMETRY"] = "none";
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.AddServiceDefaults("monitoring-classifier-test", "http://127.0.0.1:0");
        builder.AddClassifier();
        var failing = new FailingOn(new MultilingualClassifier(), broken);
        builder.Services.AddSingleton<IArticleClassifier>(failing);
        builder.AddMonitoringBus(bus =>
        {
            bus.AddConsumer<ArticleFetchedConsumer, ArticleFetchedConsumerDefinition>();
            bus.AddConsumer<ClassifiedCollector>().Endpoint(e => e.Name = $"test-classified-{run}");
        });
        // The broken article is still being retried when the test ends: do not wait the service's 30 s for it on stop.
        builder.Services.Configure<MassTransitHostOptions>(options => options.StopTimeout = TimeSpan.FromSeconds(2));
        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            var bus = app.Services.GetRequiredService<IBus>();
            // The bus starts in the background: publish once both consumers' queues are bound and consumed.
            var ready = DateTime.UtcNow.AddSeconds(60);
            while (!(await ConsumedAsync(broker, ArticleFetchedConsumerDefinition.Name) && await ConsumedAsync(broker, $"test-classified-{run}")))
            {
                Assert.True(DateTime.UtcNow < ready, "the Classifier's bus did not start");
                await Task.Delay(200);
            }
            // The broken article goes first, then 60 others behind it in the same queue.
            await bus.Publish(Article(broken, "Japan and the EU sign a defence pact"));
            var others = Enumerable.Range(0, 60).Select(i => Article($"ok-{run}-{i:D2}", $"Navy ships gather near Taiwan as China holds drills ({i})")).ToList();
            foreach (var article in others) await bus.Publish(article);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (others.Any(a => !ClassifiedCollector.Received.ContainsKey(a.ArticleId)) && DateTime.UtcNow < deadline) await Task.Delay(200);

            Assert.All(others, a => Assert.True(ClassifiedCollector.Received.ContainsKey(a.ArticleId), $"{a.ArticleId} was not classified"));
            Assert.False(ClassifiedCollector.Received.ContainsKey(broken));
            Assert.True(failing.Failures >= 1, "the classifier was never asked about the broken article");
            // Still being retried, not dropped: the message is held unacknowledged by the consumer, and nothing went to _error yet.
            // (The management API refreshes its figures every few seconds.)
            long unacknowledged = -1;
            for (var attempt = 0; attempt < 50 && unacknowledged != 1; attempt++)
            {
                if (attempt > 0) await Task.Delay(300);
                var queue = await broker.Management.GetFromJsonAsync<JsonElement>(
                    $"api/queues/{Uri.EscapeDataString(broker.Name)}/{ArticleFetchedConsumerDefinition.Name}");
                unacknowledged = queue.TryGetProperty("messages_unacknowledged", out var value) ? value.GetInt64() : -1;
            }
            Assert.Equal(1, unacknowledged);
            Assert.False(ClassifiedCollector.Received.ContainsKey(broken));
            Assert.DoesNotContain(await broker.QueuesAsync(), q => q.Name == ArticleFetchedConsumerDefinition.Name + "_error" && q.Messages > 0);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
