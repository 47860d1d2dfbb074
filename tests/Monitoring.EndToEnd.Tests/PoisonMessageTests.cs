using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Monitoring.Contracts;
using RabbitMQ.Client;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// Poison messages on the running pipeline (the three services as processes): a body that is not JSON, an article
/// without an id, a classification without countries. Each lands in its consumer's <c>_error</c> queue with the
/// reason, the pipeline panel of the dashboard shows those queues, and the valid articles sent around them are
/// alerted as usual.
/// </summary>
[Collection("pipeline")]
public sealed class PoisonMessageTests(PipelineFixture pipeline)
{
    private const string ClassifierErrors = "classifier-article-fetched_error";
    private const string AlertsErrors = "alerts-article-classified_error";

    [Fact]
    public async Task Poison_messages_land_in_error_queues_with_their_reason_and_the_articles_around_them_are_alerted()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var valid = Enumerable.Range(0, 6).Select(i => Article($"poison-{run}-{i}", $"Japan protests North Korean missile launch {run}-{i}")).ToList();
        var noId = Article("", $"Japan article without an id {run}");
        var noCountries = new ArticleClassified(Article($"poison-{run}-nocountries", $"Japan classification without countries {run}"),
            "en", null!, [new TopicScore(Topics.MissilesWmd, 3, ["missile"])], Severity.High, "test-1", DateTimeOffset.UtcNow);

        await using (var bus = await BusPublisher.StartAsync(pipeline.Broker.AmqpUri))
        {
            await bus.PublishAsync(valid[0]);
            await bus.PublishAsync(valid[1]);
            await PublishRawAsync("Monitoring.Contracts:ArticleFetched", $"{{ \"not json {run}");
            await bus.PublishAsync(valid[2]);
            await bus.PublishAsync(noId);
            await bus.PublishAsync(valid[3]);
            await bus.PublishAsync(noCountries);
            await bus.PublishAsync(valid[4]);
            await bus.PublishAsync(valid[5]);
        }

        // The messages around the poison are alerted, none held back by it.
        await pipeline.WaitForAlertsAsync("JP", body =>
        {
            var titles = body.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("title").GetString()).ToHashSet();
            return valid.All(v => titles.Contains(v.Title));
        }, TimeSpan.FromSeconds(60));

        // Each poison message is in its consumer's error queue, the invalid ones with the reason.
        var classifierErrors = await WaitForErrorsAsync(ClassifierErrors, m => m.Body.Contains(run), 2);
        Assert.Contains(classifierErrors, m => m.Body.Contains($"not json {run}"));
        Assert.Contains(classifierErrors, m => m.Body.Contains(noId.Title) && m.FaultMessage!.Contains("articleId is missing"));
        var alertsErrors = await WaitForErrorsAsync(AlertsErrors, m => m.Body.Contains(run), 1);
        Assert.Contains(alertsErrors, m => m.Body.Contains(noCountries.Article.Title) && m.FaultMessage == "countries is missing");

        // Nothing was recorded for them.
        var japan = await pipeline.Alerts.Http.GetFromJsonAsync<JsonElement>("api/countries/JP/alerts");
        var titles = japan.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("title").GetString()).ToList();
        Assert.DoesNotContain(noId.Title, titles);
        Assert.DoesNotContain(noCountries.Article.Title, titles);

        // The dashboard's pipeline panel (GET /api/pipeline) lists both error queues with their messages.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Dictionary<string, long> queues = [];
        while (DateTime.UtcNow < deadline)
        {
            var snapshot = await pipeline.Alerts.Http.GetFromJsonAsync<JsonElement>("api/pipeline");
            queues = snapshot.GetProperty("queues").EnumerateArray()
                .ToDictionary(q => q.GetProperty("name").GetString()!, q => q.GetProperty("messages").GetInt64());
            if (queues.GetValueOrDefault(ClassifierErrors) >= 2 && queues.GetValueOrDefault(AlertsErrors) >= 1) break;
            await Task.Delay(500);
        }
        Assert.True(queues.GetValueOrDefault(ClassifierErrors) >= 2, $"pipeline queues: {string.Join(", ", queues)}");
        Assert.True(queues.GetValueOrDefault(AlertsErrors) >= 1, $"pipeline queues: {string.Join(", ", queues)}");
    }

    [Fact]
    public async Task Inside_a_batch_an_invalid_article_goes_alone_to_the_error_queue_and_its_batch_mates_are_alerted()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var valid = Enumerable.Range(0, 3).Select(i => Article($"batch-{run}-{i}", $"Japan protests North Korean missile launch batch {run}-{i}")).ToList();
        var noId = Article("", $"Japan batch article without an id {run}");
        var noCountries = new ArticleClassified(Article($"batch-{run}-nocountries", $"Japan batch classification without countries {run}"),
            "en", null!, [new TopicScore(Topics.MissilesWmd, 3, ["missile"])], Severity.High, "test-1", DateTimeOffset.UtcNow);
        var classified = new ArticleClassified(valid[2], "en", [new CountryMention("JP", 3, true)],
            [new TopicScore(Topics.MissilesWmd, 3, ["missile"])], Severity.High, "test-1", DateTimeOffset.UtcNow);

        await using (var bus = await BusPublisher.StartAsync(pipeline.Broker.AmqpUri))
        {
            await bus.PublishAsync(new ArticlesFetched([valid[0], noId, valid[1]]));
            await PublishRawAsync("Monitoring.Contracts:ArticlesFetched", $"{{ \"not json {run}");
            await bus.PublishAsync(new ArticlesClassified([classified, noCountries]));
        }

        await pipeline.WaitForAlertsAsync("JP", body =>
        {
            var titles = body.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("title").GetString()).ToHashSet();
            return valid.All(v => titles.Contains(v.Title));
        }, TimeSpan.FromSeconds(60));

        var invalidArticle = await WaitForErrorsAsync(ClassifierErrors, m => m.Body.Contains(noId.Title), 1);
        Assert.Contains(invalidArticle, m => m.FaultMessage!.Contains("articleId is missing"));
        Assert.DoesNotContain(invalidArticle, m => m.Body.Contains(valid[0].Title)); // alone, not with its batch
        Assert.NotEmpty(await WaitForErrorsAsync("classifier-articles-fetched_error", m => m.Body.Contains($"not json {run}"), 1));
        var invalidClassification = await WaitForErrorsAsync(AlertsErrors, m => m.Body.Contains(noCountries.Article.Title), 1);
        Assert.Contains(invalidClassification, m => m.FaultMessage == "countries is missing" && !m.Body.Contains(classified.Article.Title));
    }

    private static ArticleFetched Article(string id, string title)
    {
        var now = DateTimeOffset.UtcNow;
        return new ArticleFetched(id, 1, "https://feeds.example/rss", "Example Wire", $"https://news.example/{Uri.EscapeDataString(title)}",
            title, "Japan's defence ministry said North Korea fired a ballistic missile into the sea west of Hokkaido.",
            "en", now, now, "hash-" + title.GetHashCode());
    }

    private async Task PublishRawAsync(string exchange, string body)
    {
        await using var connection = await new ConnectionFactory { Uri = pipeline.Broker.AmqpUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString() };
        await channel.BasicPublishAsync(exchange, "", mandatory: false, properties, Encoding.UTF8.GetBytes(body));
    }

    private sealed record ErrorMessage(string Body, string? FaultMessage);

    /// <summary>Peeks at an error queue (every message is put back) until enough of the wanted ones are there.</summary>
    private async Task<List<ErrorMessage>> WaitForErrorsAsync(string queue, Func<ErrorMessage, bool> wanted, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var found = new List<ErrorMessage>();
        while (DateTime.UtcNow < deadline)
        {
            found = (await PeekAsync(queue)).Where(wanted).ToList();
            if (found.Count >= count) return found;
            await Task.Delay(500);
        }
        throw new TimeoutException($"{queue} holds {found.Count} of the {count} poison messages expected in 60 s");
    }

    private async Task<List<ErrorMessage>> PeekAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = pipeline.Broker.AmqpUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<ErrorMessage>();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return messages; // not declared yet: nothing has failed there so far
        }
        var tags = new List<ulong>();
        while (await channel.BasicGetAsync(queue, autoAck: false) is { } result)
        {
            tags.Add(result.DeliveryTag);
            var fault = result.BasicProperties.Headers?.TryGetValue("MT-Fault-Message", out var value) == true && value is byte[] bytes
                ? Encoding.UTF8.GetString(bytes) : null;
            messages.Add(new ErrorMessage(Encoding.UTF8.GetString(result.Body.Span), fault));
        }
        foreach (var tag in tags) await channel.BasicNackAsync(tag, multiple: false, requeue: true);
        return messages;
    }
}
