using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Monitoring.Contracts;
using Monitoring.Hosting;
using Monitoring.Testing;

namespace Monitoring.FeedPoller.Tests;

/// <summary>The FeedPoller as it runs in production: its own process, real PostgreSQL and RabbitMQ, a local feed server.</summary>
public sealed class FeedPollerServiceFixture : IAsyncLifetime
{
    public const string ApiKey = "service-test-key";
    private readonly PostgresSchema _schema = PostgresSchema.Create("poller_svc");
    private readonly string _folder = Directory.CreateTempSubdirectory("poller-svc").FullName;

    public RabbitMqVirtualHost Broker { get; private set; } = null!;
    public LocalHttpServer Feeds { get; private set; } = null!;
    public ServiceProcess Poller { get; private set; } = null!;
    /// <summary>Every article message as it arrived: its articles and its size on the wire.</summary>
    public ConcurrentQueue<(IReadOnlyList<ArticleFetched> Articles, int Bytes)> Messages { get; } = new();

    /// <summary>Every article published, in arrival order.</summary>
    public IEnumerable<ArticleFetched> Articles => Messages.SelectMany(m => m.Articles);
    public ConcurrentQueue<FeedHealthChanged> Health { get; } = new();
    public Dictionary<string, string> Environment { get; private set; } = null!;
    private IBusControl _bus = null!;

    public async Task InitializeAsync()
    {
        Broker = await RabbitMqVirtualHost.CreateAsync("poller_svc");
        Feeds = await LocalHttpServer.StartAsync(context => context.Response.WriteAsync(context.Request.Path == "/long.xml" ? LongFeed :
            $"<rss version=\"2.0\"><channel><title>Feed {context.Request.Path}</title>" +
            $"<item><title>Story at {context.Request.Path}</title><link>https://news.example{context.Request.Path}/story</link><description>Text.</description></item>" +
            "</channel></rss>"));
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var uri = Broker.AmqpUri;
            cfg.Host(uri.Host, (ushort)uri.Port, MonitoringBus.VirtualHost(uri), h => { h.Username("guest"); h.Password("guest"); });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
            cfg.ReceiveEndpoint("svc-articles", e => e.Handler<ArticlesFetched>(c =>
            {
                Messages.Enqueue((c.Message.Articles, c.ReceiveContext.Body.GetBytes().Length));
                return Task.CompletedTask;
            }));
            cfg.ReceiveEndpoint("svc-health", e => e.Handler<FeedHealthChanged>(c => { Health.Enqueue(c.Message); return Task.CompletedTask; }));
        });
        await _bus.StartAsync();

        var list = Path.Combine(_folder, "feeds.opml");
        await File.WriteAllTextAsync(list, new XDocument(new XElement("opml", new XAttribute("version", "2.0"), new XElement("body",
            new XElement("outline", new XAttribute("text", "Listed"), new XAttribute("language", "en"), new XAttribute("xmlUrl", Feeds.Url("listed.xml").ToString())),
            new XElement("outline", new XAttribute("text", "Local file"), new XAttribute("xmlUrl", "file:local.xml")))))
            .ToString());
        await File.WriteAllTextAsync(Path.Combine(_folder, "local.xml"),
            "<rss><channel><title>Local</title><item><title>From a file</title><link>https://local.example/1</link></item></channel></rss>");

        Environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = Broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_FEEDPOLLER_SCHEMA"] = _schema.Name,
            ["MONITORING_FEEDS_FILE"] = list,
            ["MONITORING_ALLOW_PRIVATE_FEEDS"] = "1",
            ["MONITORING_POLL_MIN_SECONDS"] = "60", // first polls, resumes and poll-now are immediate; nothing else polls during a test
            ["MONITORING_POLL_MAX_SECONDS"] = "3600",
            ["MONITORING_HOST_SPACING_MS"] = "0",
            ["MONITORING_API_KEY"] = ApiKey,
        };
        Poller = ServiceProcess.Start("FeedPoller", Environment);
        await Poller.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        Poller.Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    /// <summary>A feed of 60 long articles (about 3,000 characters each) in Latin, Cyrillic and Chinese script, in turn.</summary>
    public const int LongFeedItems = 60;

    private static readonly string LongFeed = new XDocument(new XElement("rss", new XAttribute("version", "2.0"), new XElement("channel",
        new XElement("title", "Long articles"),
        Enumerable.Range(0, LongFeedItems).Select(i => new XElement("item",
            new XElement("title", $"Long article {i}"),
            new XElement("link", $"https://long.example/{i}"),
            new XElement("description", string.Concat(Enumerable.Repeat((i % 3) switch
            {
                0 => $"Ministers met in Brussels on the defence pact, article {i}. ",
                1 => $"Министры обсудили оборонный пакт в Брюсселе, статья {i}. ",
                _ => $"部长们在布鲁塞尔讨论了防务协定，第{i}篇文章。",
            }, 3000 / 50)))))))).ToString();

    public async Task<JsonElement> FeedAsync(Func<JsonElement, bool> which, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement feeds = default;
        while (DateTime.UtcNow < deadline)
        {
            feeds = await Poller.Http.GetFromJsonAsync<JsonElement>("api/feeds");
            var feed = feeds.EnumerateArray().Where(which).ToList();
            if (feed.Count == 1 && until(feed[0])) return feed[0];
            await Task.Delay(100);
        }
        throw new TimeoutException($"feed did not reach the expected state: {feeds}\n{Poller.RecentOutput}");
    }

    public async Task DisposeAsync()
    {
        await Poller.DisposeAsync();
        await _bus.StopAsync();
        await Feeds.DisposeAsync();
        await Broker.DisposeAsync();
        await _schema.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

public sealed class FeedPollerServiceTests(FeedPollerServiceFixture service) : IClassFixture<FeedPollerServiceFixture>
{
    private static bool Url(JsonElement feed, string url) => feed.GetProperty("url").GetString() == url;

    private static bool Status(JsonElement feed, string status) => feed.GetProperty("status").GetString() == status;

    [Fact]
    public async Task Feeds_of_the_operators_list_are_polled_right_after_start_including_local_files()
    {
        var listed = await service.FeedAsync(f => Url(f, service.Feeds.Url("listed.xml").ToString()), f => Status(f, "ok"));
        Assert.Equal("Listed", listed.GetProperty("title").GetString());
        Assert.Equal("list", listed.GetProperty("origin").GetString());
        Assert.Equal(1, listed.GetProperty("articlesPublished").GetInt64());
        Assert.True(listed.GetProperty("nextPollAt").GetDateTimeOffset() > listed.GetProperty("lastSuccessAt").GetDateTimeOffset());

        var local = await service.FeedAsync(f => f.GetProperty("url").GetString()!.StartsWith("file:"), f => Status(f, "ok"));
        Assert.Equal("Local", local.GetProperty("feedTitle").GetString());
    }

    [Fact]
    public async Task Writes_need_the_api_key()
    {
        using var anonymous = new HttpClient { BaseAddress = service.Poller.BaseAddress };
        using var response = await anonymous.PostAsJsonAsync("api/feeds", new { url = "https://news.example/rss" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var delete = await anonymous.DeleteAsync("api/feeds/0000000000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
    }

    [Fact]
    public async Task A_poll_of_many_long_articles_goes_out_as_several_messages_each_below_the_large_object_limit()
    {
        var url = service.Feeds.Url("long.xml").ToString();
        using var response = await service.Poller.Http.PostAsJsonAsync("api/feeds", new { url });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && service.Articles.Count(a => a.FeedUrl == url) < FeedPollerServiceFixture.LongFeedItems)
            await Task.Delay(100);

        // One poll: every article once, in several messages, none of which the receiving runtime allocates as a large
        // object (85,000 bytes; the Classifier's ArticlesClassified adds a few hundred bytes per article to the same batch).
        var messages = service.Messages.Where(m => m.Articles.Any(a => a.FeedUrl == url)).ToList();
        Assert.Equal(FeedPollerServiceFixture.LongFeedItems, messages.Sum(m => m.Articles.Count));
        Assert.Equal(FeedPollerServiceFixture.LongFeedItems, messages.SelectMany(m => m.Articles).Select(a => a.ArticleId).Distinct().Count());
        Assert.True(messages.Count > 1, $"{messages.Count} message(s)");
        Assert.All(messages, m => Assert.True(m.Bytes < 80_000, $"a message of {m.Articles.Count} articles is {m.Bytes:N0} bytes"));
    }

    [Fact]
    public async Task A_feed_added_through_the_api_is_polled_its_articles_published_and_its_health_on_the_bus()
    {
        var url = service.Feeds.Url("added.xml").ToString();
        using var response = await service.Poller.Http.PostAsJsonAsync("api/feeds", new { url, title = "Added source", language = "fr" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await service.FeedAsync(f => Url(f, url), f => Status(f, "ok"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (!service.Articles.Any(a => a.FeedUrl == url) || !service.Health.Any(h => h.FeedId == id && h.Status == "ok")))
            await Task.Delay(100);
        var article = Assert.Single(service.Articles, a => a.FeedUrl == url);
        Assert.Equal("Added source", article.Source);
        Assert.Equal("fr", article.LanguageHint);
        var health = service.Health.Last(h => h.FeedId == id);
        Assert.Equal("ok", health.Status);
        Assert.NotNull(health.NextPollAt);

        using var again = await service.Poller.Http.PostAsJsonAsync("api/feeds", new { url });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var history = await service.Poller.Http.GetFromJsonAsync<JsonElement>($"api/feeds/{id}/history");
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("kind").GetString() == "polled" && h.GetProperty("newArticles").GetInt32() == 1);
    }

    [Theory]
    [InlineData("file:///etc/passwd", "only http and https")]
    [InlineData("ftp://files.example/feed", "only http and https")]
    [InlineData("not a url", "absolute http or https")]
    public async Task Feeds_that_are_not_http_or_https_are_refused_through_the_api(string url, string expected)
    {
        using var response = await service.Poller.Http.PostAsJsonAsync("api/feeds", new { url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pause_resume_poll_now_and_remove_change_the_feed_as_asked()
    {
        var url = service.Feeds.Url("lifecycle.xml").ToString();
        using var created = await service.Poller.Http.PostAsJsonAsync("api/feeds", new { url });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var firstPoll = (await service.FeedAsync(f => Url(f, url), f => Status(f, "ok"))).GetProperty("lastAttemptAt").GetDateTimeOffset();

        var paused = await (await service.Poller.Http.PostAsync($"api/feeds/{id}/pause", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("nextPollAt").ValueKind);
        using (var refused = await service.Poller.Http.PostAsync($"api/feeds/{id}/poll", null))
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        using (var resumed = await service.Poller.Http.PostAsync($"api/feeds/{id}/resume", null))
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        // Resuming makes the feed due at once.
        var before = (await service.FeedAsync(f => Url(f, url), f => f.GetProperty("lastAttemptAt").GetDateTimeOffset() > firstPoll))
            .GetProperty("lastAttemptAt").GetDateTimeOffset();
        using (var poll = await service.Poller.Http.PostAsync($"api/feeds/{id}/poll", null))
            Assert.Equal(HttpStatusCode.Accepted, poll.StatusCode);
        await service.FeedAsync(f => Url(f, url), f => f.GetProperty("lastAttemptAt").GetDateTimeOffset() > before);

        using (var removed = await service.Poller.Http.DeleteAsync($"api/feeds/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var feeds = await service.Poller.Http.GetFromJsonAsync<JsonElement>("api/feeds");
        Assert.DoesNotContain(feeds.EnumerateArray(), f => Url(f, url));
        using (var gone = await service.Poller.Http.GetAsync($"api/feeds/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var history = await service.Poller.Http.GetFromJsonAsync<JsonElement>($"api/feeds/{id}/history");
        Assert.Equal(["removed", "polled", "poll-requested", "polled", "resumed", "paused"],
            history.EnumerateArray().Select(h => h.GetProperty("kind").GetString()).Take(6));
    }

    [Fact]
    public async Task Opml_export_lists_the_feeds_and_import_adds_new_ones_but_no_local_files()
    {
        var exported = XDocument.Parse(await service.Poller.Http.GetStringAsync("api/feeds.opml"));
        Assert.Contains(exported.Descendants("outline"), o => (string?)o.Attribute("xmlUrl") == service.Feeds.Url("listed.xml").ToString());

        var imported = new XDocument(new XElement("opml", new XAttribute("version", "2.0"), new XElement("body",
            new XElement("outline", new XAttribute("text", "Imported"), new XAttribute("xmlUrl", service.Feeds.Url("imported.xml").ToString())),
            new XElement("outline", new XAttribute("text", "Listed again"), new XAttribute("xmlUrl", service.Feeds.Url("listed.xml").ToString()))))).ToString();
        using var response = await service.Poller.Http.PostAsync("api/feeds/opml", new StringContent(imported, Encoding.UTF8, "text/x-opml"));
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, result.GetProperty("added").GetArrayLength());
        Assert.Equal(1, result.GetProperty("existing").GetInt32());
        await service.FeedAsync(f => Url(f, service.Feeds.Url("imported.xml").ToString()), f => Status(f, "ok"));

        var withFile = "<opml><body><outline text=\"x\" xmlUrl=\"file:/etc/passwd\"/></body></opml>";
        using var refused = await service.Poller.Http.PostAsync("api/feeds/opml", new StringContent(withFile, Encoding.UTF8, "text/x-opml"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task The_service_is_not_ready_while_postgres_or_the_bus_does_not_answer()
    {
        var closedPort = ServiceProcess.FreePort();
        var noDatabase = new Dictionary<string, string>(service.Environment)
        {
            ["MONITORING_POSTGRES"] = $"Host=127.0.0.1;Port={closedPort};Username=postgres;Database=monitoring;Timeout=2",
        };
        var noBus = new Dictionary<string, string>(service.Environment)
        {
            ["MONITORING_RABBITMQ"] = $"amqp://guest:guest@127.0.0.1:{closedPort}/",
            ["MONITORING_FEEDPOLLER_SCHEMA"] = service.Environment["MONITORING_FEEDPOLLER_SCHEMA"] + "_nobus",
        };
        await using var withoutDatabase = ServiceProcess.Start("FeedPoller", noDatabase);
        await using var withoutBus = ServiceProcess.Start("FeedPoller", noBus);
        foreach (var poller in new[] { withoutDatabase, withoutBus })
        {
            var answered = false;
            for (var i = 0; i < 100 && !answered; i++)
            {
                try
                {
                    using var ready = await poller.Http.GetAsync("health/ready");
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                    answered = true;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }
            Assert.True(answered, $"{poller.Name} never answered:\n{poller.RecentOutput}");
            await Task.Delay(2000);
            using var still = await poller.Http.GetAsync("health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, still.StatusCode);
            Assert.False(poller.HasExited, "the service keeps running and reports itself not ready");
        }
    }
}
