using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Stories;
using CountryMention = Monitoring.Contracts.CountryMention;
using Severity = Monitoring.Contracts.Severity;
using TopicScore = Monitoring.Contracts.TopicScore;
using Topics = Monitoring.Contracts.Topics;
using Monitoring.Testing;
using Xunit.Abstractions;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>Stories through the real store, daemon, API, live stream, exchange and webhooks.</summary>
public sealed class StoryTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string NewId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>Copies of one wire report from <paramref name="sources"/> sources a few minutes apart (a breaking story).</summary>
    private static List<Bus.ArticleClassified> WireCopies(string prefix, string country, string topic, int sources, DateTimeOffset start, string figure)
    {
        var place = "Var" + prefix;
        var text = $"Officials in the capital confirmed on Monday that {figure} people were evacuated after the explosion at the {place} " +
                   $"arms depot, which burned for {figure}0 minutes. Emergency minister {prefix} Brennerhof said the blast at 6:45 a.m. destroyed " +
                   "two warehouses and that investigators were examining the site.";
        return Enumerable.Range(0, sources).Select(i =>
        {
            var at = start.AddMinutes(4 * i);
            var article = new Bus.ArticleFetched($"{prefix}-{i}", 1, $"https://feeds.example/{i}.xml", $"Source {prefix} {i}",
                $"https://news{i}.example/{prefix}", $"Blast at {place} arms depot forces {figure} evacuations", text + (i > 0 ? $" Report {i}." : ""),
                "en", at, at, $"hash-{prefix}-{i}");
            return new Bus.ArticleClassified(article, "en", [new CountryMention(country, 3, true)],
                [new TopicScore(topic, 2, ["explosion"])], Severity.High, "test-1", at);
        }).ToList();
    }

    private async Task<JsonElement> StoriesAsync(string query) =>
        (await store.Http.GetFromJsonAsync<JsonElement>("api/stories" + query)).GetProperty("stories");

    [Fact]
    public async Task Every_alert_names_its_story_in_the_API_and_the_live_stream()
    {
        var country = "LU";
        using var response = await store.Http.GetAsync($"api/alerts/stream?country={country}", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new ServerSentEventsReader(await response.Content.ReadAsStreamAsync());
        var copies = WireCopies("n" + NewId(), country, Topics.Terrorism, 2, DateTimeOffset.UtcNow, "140");
        await store.RecordBatchAsync(copies);

        using var timeout = new CancellationTokenSource(Timeout);
        var live = new List<JsonElement>();
        while (live.Count < 2 && await reader.NextAsync(timeout.Token) is { } e)
            if (e.Event == "alert") live.Add(JsonDocument.Parse(e.Data).RootElement);
        var storyIds = live.Select(a => a.GetProperty("storyId").GetString()).Distinct().ToList();
        Assert.Single(storyIds);
        Assert.StartsWith("st-", storyIds[0]);

        await store.WaitForProjectionsAsync();
        var alerts = (await store.Http.GetFromJsonAsync<JsonElement>($"api/countries/{country}/alerts")).GetProperty("alerts");
        Assert.All(alerts.EnumerateArray(), a => Assert.Equal(storyIds[0], a.GetProperty("storyId").GetString()));
        var story = await store.Http.GetFromJsonAsync<JsonElement>($"api/stories/{storyIds[0]}");
        Assert.Equal(2, story.GetProperty("articleCount").GetInt32());
        Assert.Equal(2, story.GetProperty("sourceCount").GetInt32());
        Assert.Equal("near-duplicate", story.GetProperty("articles")[0].GetProperty("joinedBy").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_per_story_stream_sends_one_story_event_and_one_breaking_escalation_instead_of_an_alert_per_article()
    {
        var country = "MT";
        using var response = await store.Http.GetAsync($"api/alerts/stream?country={country}&per=story", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new ServerSentEventsReader(await response.Content.ReadAsStreamAsync());
        await store.RecordBatchAsync(WireCopies("s" + NewId(), country, Topics.ArmedConflict, 5, DateTimeOffset.UtcNow, "230"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<ServerSentEvent>();
        try
        {
            while (await reader.NextAsync(timeout.Token) is { } e) events.Add(e);
        }
        catch (OperationCanceledException)
        {
            // read for a while: nothing more than the story and its escalation may arrive
        }
        Assert.Equal(["story", "breaking"], events.Select(e => e.Event));
        var breaking = JsonDocument.Parse(events[1].Data).RootElement;
        Assert.Equal(JsonDocument.Parse(events[0].Data).RootElement.GetProperty("storyId").GetString(), breaking.GetProperty("storyId").GetString());
        Assert.Equal(3, breaking.GetProperty("breakingReason").GetProperty("newSources").GetInt32());
        Assert.True(long.Parse(events[1].Id!) > long.Parse(events[0].Id!));

        // Resuming after the first event replays the escalation only.
        using var resumed = new HttpRequestMessage(HttpMethod.Get, $"api/alerts/stream?country={country}&per=story");
        resumed.Headers.Add("Last-Event-ID", events[0].Id);
        using var again = await store.Http.SendAsync(resumed, HttpCompletionOption.ResponseHeadersRead);
        using var againReader = new ServerSentEventsReader(await again.Content.ReadAsStreamAsync());
        using var short_ = new CancellationTokenSource(Timeout);
        var next = await againReader.NextAsync(short_.Token);
        Assert.Equal(("breaking", events[1].Id), (next!.Event, next.Id));
    }

    [Fact]
    public async Task The_stories_exchange_carries_one_message_per_story_and_routing_key_plus_the_breaking_escalation()
    {
        await using var stories = await AmqpTestQueue.BindToAsync(store.Broker.AmqpUri, "monitoring.stories", "CY.#");
        await using var alerts = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "CY.#");
        await store.RecordBatchAsync(WireCopies("x" + NewId(), "CY", Topics.MaritimeSecurity, 4, DateTimeOffset.UtcNow, "310"));

        var messages = await stories.WaitForAsync(m => m.Count >= 2, Timeout);
        await alerts.WaitForAsync(m => m.Count >= 4, Timeout);
        await Task.Delay(1000);
        messages = await stories.DrainAsync();
        Assert.Equal(["story", "breaking"], messages.Select(m => m.Json.GetProperty("event").GetString()));
        Assert.All(messages, m =>
        {
            Assert.Equal("CY.maritime-security.high", m.RoutingKey);
            Assert.True(m.Persistent);
            Assert.Equal($"{m.Json.GetProperty("position").GetInt64()}.CY.maritime-security", m.MessageId);
        });
        Assert.Equal(4, (await alerts.DrainAsync()).Count);
    }

    [Fact]
    public async Task A_per_story_webhook_gets_the_story_once_and_its_breaking_escalation()
    {
        var received = new ConcurrentQueue<(string Event, JsonElement Body)>();
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            using var body = new StreamReader(context.Request.Body);
            received.Enqueue((context.Request.Headers["X-Monitoring-Event"].ToString(), JsonDocument.Parse(await body.ReadToEndAsync()).RootElement));
            context.Response.StatusCode = 200;
        });
        using var created = await store.AdminHttp.PostAsJsonAsync("api/subscriptions", new
        {
            name = "stories", countries = new[] { "IS" }, per = "story",
            webhook = new { url = server.Url("hook").ToString(), secret = "a-webhook-secret-of-32-characters" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("story", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("per").GetString());

        await store.RecordBatchAsync(WireCopies("w" + NewId(), "IS", Topics.HybridThreats, 4, DateTimeOffset.UtcNow, "470"));
        var deadline = DateTime.UtcNow + Timeout;
        while (received.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Task.Delay(1000);
        Assert.Equal(["breaking", "story"], received.Select(r => r.Event).Order());
        Assert.All(received, r => Assert.StartsWith("st-", r.Body.GetProperty("story").GetProperty("storyId").GetString()));
    }

    [Fact]
    public async Task Stories_are_listed_by_country_topic_and_breaking_and_unknown_ones_are_404()
    {
        await store.RecordBatchAsync(WireCopies("l" + NewId(), "SI", Topics.Cyber, 3, DateTimeOffset.UtcNow.AddMinutes(-10), "520"));
        await store.WaitForProjectionsAsync();
        var listed = Assert.Single((await StoriesAsync("?country=SI&topic=cyber&breaking=true")).EnumerateArray());
        Assert.True(listed.GetProperty("breaking").GetBoolean());
        Assert.Equal(["SI"], listed.GetProperty("countries").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(3, listed.GetProperty("growth").GetProperty("sourcesInWindow").GetInt32());
        Assert.Empty((await StoriesAsync("?country=SI&breaking=false")).EnumerateArray());
        Assert.Empty((await StoriesAsync("?country=SI&topic=terrorism")).EnumerateArray());
        using var missing = await store.Http.GetAsync("api/stories/st-0000000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var bad = await store.Http.GetAsync("api/stories?topic=weather");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
