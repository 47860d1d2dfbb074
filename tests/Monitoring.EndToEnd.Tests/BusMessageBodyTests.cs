using System.Text;
using System.Text.Json;
using Monitoring.Contracts;
using RabbitMQ.Client;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// What the Classifier service puts on the broker for each article, as a plain AMQP client sees it: a persistent
/// MassTransit envelope whose JSON is written on one line (no indentation: each article's text crosses the broker
/// twice, and whitespace costs bytes and CPU at every hop), with the contract's camelCase names.
/// </summary>
[Collection("pipeline")]
public sealed class BusMessageBodyTests(PipelineFixture pipeline)
{
    private const string ClassifiedExchange = "Monitoring.Contracts:ArticleClassified"; // MassTransit's exchange for the type

    [Fact]
    public async Task The_classifier_publishes_each_classified_article_as_unindented_JSON_carrying_the_article()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var article = new ArticleFetched($"body-{run}", 1, "https://feeds.example/rss", "Example Wire", $"https://news.example/body-{run}",
            $"Japan protests North Korean missile launch {run}",
            "Japan's defence ministry said North Korea fired a ballistic missile into the sea west of Hokkaido.",
            "en", now, now, "hash-" + run);

        // A queue of our own next to the Alerts service's, bound to the exchange the Classifier publishes to.
        await using var connection = await new ConnectionFactory { Uri = pipeline.Broker.AmqpUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(ClassifiedExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync($"body-test-{run}", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, ClassifiedExchange, "");

        await using (var bus = await BusPublisher.StartAsync(pipeline.Broker.AmqpUri))
        {
            await bus.PublishAsync(article);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        BasicGetResult? classified = null;
        while (classified is null && DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
            {
                if (Encoding.UTF8.GetString(result.Body.Span).Contains(article.ArticleId)) classified = result;
            }
            else
            {
                await Task.Delay(200);
            }
        }
        Assert.NotNull(classified);

        var body = Encoding.UTF8.GetString(classified.Body.Span);
        Assert.Equal("application/vnd.masstransit+json", classified.BasicProperties.ContentType);
        Assert.True(classified.BasicProperties.Persistent);
        Assert.DoesNotContain('\n', body);
        var message = JsonDocument.Parse(body).RootElement.GetProperty("message");
        Assert.Equal(article.ArticleId, message.GetProperty("article").GetProperty("articleId").GetString());
        Assert.Equal(article.Text, message.GetProperty("article").GetProperty("text").GetString());
        Assert.Equal("en", message.GetProperty("language").GetString());
        Assert.Contains(message.GetProperty("countries").EnumerateArray(),
            c => c.GetProperty("code").GetString() == "JP" && c.GetProperty("primary").GetBoolean());
    }
}
