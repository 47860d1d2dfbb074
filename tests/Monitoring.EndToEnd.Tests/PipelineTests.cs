using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.Hosting;

namespace Monitoring.EndToEnd.Tests;

[CollectionDefinition("pipeline")]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>;

[Collection("pipeline")]
public sealed class PipelineTests(PipelineFixture pipeline)
{
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(60);

    private static IEnumerable<JsonElement> AlertsFor(JsonElement body, string title) =>
        body.GetProperty("alerts").EnumerateArray().Where(a => a.GetProperty("title").GetString() == title);

    [Fact]
    public async Task Seed_article_served_by_a_feed_becomes_a_Japan_alert_and_an_EU_alert()
    {
        var japan = await pipeline.WaitForAlertsAsync("JP", body => AlertsFor(body, pipeline.Seed.Title).Any(), AlertTimeout);
        var eu = await pipeline.WaitForAlertsAsync("EU", body => AlertsFor(body, pipeline.Seed.Title).Any(), AlertTimeout);

        var alert = AlertsFor(japan, pipeline.Seed.Title).Single();
        Assert.Equal("id", alert.GetProperty("language").GetString());
        Assert.Equal("Kabar Lokal", alert.GetProperty("source").GetString());
        Assert.DoesNotContain("utm_source", alert.GetProperty("url").GetString()!.Split('?')[0]);
        Assert.Contains(Topics.MissilesWmd, alert.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["EU", "JP"], alert.GetProperty("primary").EnumerateArray().Select(c => c.GetString()).Order());
        Assert.Single(AlertsFor(eu, pipeline.Seed.Title));

        // Mentioned countries are listed on the alert but get no alert stream of their own.
        Assert.Contains("KP", alert.GetProperty("countries").EnumerateArray().Select(c => c.GetString()));
        var northKorea = await pipeline.Alerts.Http.GetFromJsonAsync<JsonElement>("api/countries/KP/alerts");
        Assert.Empty(AlertsFor(northKorea, pipeline.Seed.Title));
    }

    [Fact]
    public async Task Publishing_the_same_article_twice_leaves_one_alert()
    {
        var japan = await pipeline.WaitForAlertsAsync("JP", body => AlertsFor(body, pipeline.Seed.Title).Any(), AlertTimeout);
        var articleId = AlertsFor(japan, pipeline.Seed.Title).Single().GetProperty("articleId").GetString()!;
        var recorded = await pipeline.Alerts.Http.GetFromJsonAsync<JsonElement>($"api/articles/{articleId}");
        var article = recorded.GetProperty("article");

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var uri = pipeline.Broker.AmqpUri;
            cfg.Host(uri.Host, (ushort)uri.Port, MonitoringBus.VirtualHost(uri), h => { h.Username("guest"); h.Password("guest"); });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
        });
        await bus.StartAsync();
        try
        {
            var again = new ArticleFetched(articleId, article.GetProperty("revision").GetInt32(),
                article.GetProperty("feedUrl").GetString()!, article.GetProperty("source").GetString()!,
                article.GetProperty("url").GetString()!, pipeline.Seed.Title, pipeline.Seed.Text, "id",
                article.GetProperty("publishedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow,
                article.GetProperty("contentHash").GetString()!);
            await bus.Publish(again);
            await bus.Publish(again);
            // A marker published after the duplicates: once it is an alert, the duplicates have been handled.
            var marker = again with { ArticleId = "marker-" + Guid.NewGuid().ToString("N"), Title = "Japan and EU marker " + Guid.NewGuid(), Url = "https://marker.example/" + Guid.NewGuid() };
            await bus.Publish(marker);
            japan = await pipeline.WaitForAlertsAsync("JP", body => AlertsFor(body, marker.Title).Any(), AlertTimeout);
        }
        finally
        {
            await bus.StopAsync();
        }

        Assert.Single(AlertsFor(japan, pipeline.Seed.Title));
        var history = (await pipeline.Alerts.Http.GetFromJsonAsync<JsonElement>($"api/articles/{articleId}")).GetProperty("history");
        Assert.Equal(["article_fetched", "article_classified"], history.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task A_plain_AMQP_client_bound_to_JP_receives_the_seed_article_s_Japan_alerts_as_plain_JSON()
    {
        // One message per topic of the alert: wait for all of them, not just the first to be routed.
        var messages = await pipeline.JapanQueue.WaitForAsync(received =>
        {
            var seed = received.Where(m => m.Json.GetProperty("title").GetString() == pipeline.Seed.Title).ToList();
            return seed.Any(m => m.Json.GetProperty("topic").GetString() == Topics.MissilesWmd) &&
                   seed.Select(m => m.Json.GetProperty("topic").GetString()).Distinct().Count() >= seed[0].Json.GetProperty("topics").GetArrayLength();
        }, AlertTimeout);
        var seed = messages.Where(m => m.Json.GetProperty("title").GetString() == pipeline.Seed.Title).ToList();
        Assert.All(seed, m =>
        {
            Assert.StartsWith("JP.", m.RoutingKey);
            Assert.Equal("JP", m.Json.GetProperty("country").GetString());
            Assert.Equal($"JP.{m.Json.GetProperty("topic").GetString()}.{m.Json.GetProperty("severity").GetString()}", m.RoutingKey);
            Assert.Equal("application/json", m.ContentType);
            Assert.True(m.Persistent);
        });
        var topics = seed.Select(m => m.Json.GetProperty("topic").GetString()).ToList();
        Assert.Equal(topics.Distinct().Count(), topics.Count);
        Assert.Equal(seed[0].Json.GetProperty("topics").EnumerateArray().Select(t => t.GetString()).Order(), topics.Order());
    }

    [Fact]
    public async Task Every_service_reports_ready_and_the_countries_api_lists_Japan()
    {
        await pipeline.WaitForAlertsAsync("JP", body => AlertsFor(body, pipeline.Seed.Title).Any(), AlertTimeout);
        foreach (var service in new[] { pipeline.FeedPoller, pipeline.Classifier, pipeline.Alerts })
        {
            using var ready = await service.Http.GetAsync("health/ready");
            Assert.True(ready.IsSuccessStatusCode, $"{service.Name} /health/ready answered {ready.StatusCode}");
        }
        var countries = await pipeline.Alerts.Http.GetFromJsonAsync<JsonElement>("api/countries");
        var japan = countries.EnumerateArray().Single(c => c.GetProperty("code").GetString() == "JP");
        Assert.Equal("Japan", japan.GetProperty("name").GetString());
        Assert.True(japan.GetProperty("alerts24h").GetInt32() >= 1);
        Assert.NotEqual("none", japan.GetProperty("maxSeverity24h").GetString());
    }
}
