using System.Diagnostics;
using System.Security;
using Microsoft.AspNetCore.Http;
using Monitoring.FeedPoller.Registry;
using Monitoring.Testing;

namespace Monitoring.FeedPoller.Tests;

/// <summary>
/// Polling feeds end to end on the real PostgreSQL and RabbitMQ: what is published (new articles, edits, never
/// duplicates), what is remembered across a restart, and how failures show and are scheduled.
/// </summary>
public sealed class FeedPollingTests
{
    private static string Item(string title, string link, string guid, string text, string date = "Fri, 01 Nov 2024 09:30:00 GMT") =>
        $"<item><title>{SecurityElement.Escape(title)}</title><link>{SecurityElement.Escape(link)}</link><guid isPermaLink=\"false\">{guid}</guid>" +
        $"<pubDate>{date}</pubDate><description>{SecurityElement.Escape(text)}</description></item>";

    private static string Rss(params string[] items) =>
        $"<rss version=\"2.0\"><channel><title>Test feed</title><link>https://news.example/</link><language>en</language>{string.Concat(items)}</channel></rss>";

    [Fact]
    public async Task New_articles_are_published_once_as_revision_1_with_the_contract_fields()
    {
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(Rss(
            Item("Missile test", "https://news.example/a/1?utm_source=rss", "g1", "North Korea fired a missile."),
            Item("Naval drill", "https://news.example/a/2", "g2", "Joint naval exercise."))));
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"), "Test source");

        var polled = await poller.PollAsync(feed);
        await poller.PollAsync(feed);

        var articles = await poller.SettledArticlesAsync(2);
        Assert.Equal(2, articles.Count);
        var missile = articles.Single(a => a.Title == "Missile test");
        Assert.Equal(1, missile.Revision);
        Assert.Equal("https://news.example/a/1", missile.Url);
        Assert.Equal("Test source", missile.Source);
        Assert.Equal(server.Url("feed.xml").ToString(), missile.FeedUrl);
        Assert.Equal("North Korea fired a missile.", missile.Text);
        Assert.Equal("en", missile.LanguageHint);
        Assert.Equal(new DateTimeOffset(2024, 11, 1, 9, 30, 0, TimeSpan.Zero), missile.PublishedAt);
        Assert.Equal(32, missile.ContentHash.Length);
        Assert.Equal(FeedRecord.StatusOk, polled.Status);
        Assert.Equal(2, (await poller.FindAsync(feed.Id)).ArticlesPublished);
    }

    [Fact]
    public async Task The_same_article_from_two_feeds_is_published_once()
    {
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(c.Request.Path == "/a.xml"
            ? Rss(Item("EU and Japan sign pact", "https://news.example/eu-japan?utm_medium=feed", "feed-a-1", "The EU and Japan signed a security pact."))
            : Rss(Item("EU and Japan sign pact", "https://NEWS.example/eu-japan#top", "urn:feed-b:77", "The EU and Japan signed a security pact."))));
        await using var poller = await PollerHarness.StartAsync();
        var a = await poller.AddAsync(server.Url("a.xml"));
        var b = await poller.AddAsync(server.Url("b.xml"));

        await poller.PollAsync(a);
        await poller.PollAsync(b);
        await poller.PollAsync(a);
        await poller.PollAsync(b);

        var article = Assert.Single(await poller.SettledArticlesAsync(1));
        Assert.Equal(1, article.Revision);
    }

    [Fact]
    public async Task Two_feeds_with_different_excerpts_of_one_article_do_not_make_it_flip_between_revisions()
    {
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(c.Request.Path == "/short.xml"
            ? Rss(Item("Sanctions widened", "https://news.example/sanctions", "s", "Short teaser."))
            : Rss(Item("Sanctions widened", "https://news.example/sanctions", "l", "The full text of the article about widened sanctions."))));
        await using var poller = await PollerHarness.StartAsync();
        var teaser = await poller.AddAsync(server.Url("short.xml"));
        var full = await poller.AddAsync(server.Url("long.xml"));

        for (var round = 0; round < 3; round++)
        {
            await poller.PollAsync(teaser);
            await poller.PollAsync(full);
        }

        Assert.Single(await poller.SettledArticlesAsync(1));
    }

    [Fact]
    public async Task An_edited_article_is_published_as_an_update_with_the_next_revision()
    {
        var text = "Troops were deployed.";
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(Rss(Item("Deployment", "https://news.example/d", "d1", text))));
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));

        await poller.PollAsync(feed);
        text = "Troops were deployed. Update: 3,000 troops crossed the border.";
        await poller.PollAsync(feed);
        await poller.PollAsync(feed);

        var revisions = await poller.SettledArticlesAsync(2);
        Assert.Equal([1, 2], revisions.Select(a => a.Revision).Order());
        Assert.Single(revisions.Select(a => a.ArticleId).Distinct());
        Assert.NotEqual(revisions[0].ContentHash, revisions[1].ContentHash);
        Assert.Contains("3,000 troops", revisions.Single(a => a.Revision == 2).Text);
    }

    [Fact]
    public async Task A_feed_that_regenerates_every_guid_daily_produces_no_duplicates()
    {
        var day = 1;
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(Rss(
            Item("Cyber attack on grid", "https://news.example/cyber", $"day{day}-cyber", "Hackers hit the grid."),
            // No link at all: only the unchanged content tells it is the same article.
            $"<item><title>Coup attempt</title><guid isPermaLink=\"false\">day{day}-coup</guid><description>Soldiers seized the radio station.</description></item>")));
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));

        for (; day <= 4; day++) await poller.PollAsync(feed);

        var articles = await poller.SettledArticlesAsync(2);
        Assert.Equal(2, articles.Count);
        Assert.Equal(["Coup attempt", "Cyber attack on grid"], articles.Select(a => a.Title).Order());
    }

    [Fact]
    public async Task A_restart_resumes_with_the_etag_and_the_articles_already_seen()
    {
        string? ifNoneMatch = null;
        var honourEtag = true;
        await using var server = await LocalHttpServer.StartAsync(async c =>
        {
            ifNoneMatch = c.Request.Headers.IfNoneMatch;
            if (honourEtag && ifNoneMatch == "\"v7\"")
            {
                c.Response.StatusCode = 304;
                return;
            }
            c.Response.Headers.ETag = "\"v7\"";
            await c.Response.WriteAsync(Rss(Item("Border clash", "https://news.example/clash", "c1", "Shots were fired.")));
        });
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));
        await poller.PollAsync(feed);
        Assert.Single(await poller.SettledArticlesAsync(1));

        await poller.RestartAsync();
        var reloaded = await poller.FindAsync(feed.Id);
        Assert.Equal("\"v7\"", reloaded.ETag);
        Assert.Equal(FeedRecord.StatusOk, reloaded.Status);
        var notModified = await poller.PollAsync(reloaded);
        Assert.Equal("\"v7\"", ifNoneMatch);
        Assert.Equal(304, notModified.LastStatus);

        honourEtag = false; // the server forgets its ETags: the seen articles are still known
        await poller.PollAsync(notModified);
        Assert.Single(await poller.SettledArticlesAsync(1));
        var history = await poller.Store.HistoryAsync(feed.Id, 10, CancellationToken.None);
        Assert.Equal([FeedHistoryEntry.Polled, FeedHistoryEntry.NotModified, FeedHistoryEntry.Polled, FeedHistoryEntry.Added], history.Select(h => h.Kind));
        Assert.Equal(1, history[2].NewArticles);
        Assert.Equal(0, history[0].NewArticles);
    }

    [Fact]
    public async Task A_429_with_retry_after_marks_the_feed_failing_and_waits_as_long_as_asked()
    {
        await using var server = await LocalHttpServer.StartAsync(c =>
        {
            c.Response.StatusCode = 429;
            c.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));

        var polled = await poller.PollAsync(feed);

        Assert.Equal(FeedRecord.StatusFailing, polled.Status);
        Assert.Contains("429", polled.LastError);
        Assert.Equal(429, polled.LastStatus);
        Assert.Equal(TimeSpan.FromSeconds(120), polled.NextPollAt - polled.LastAttemptAt!.Value);
        var history = await poller.Store.HistoryAsync(feed.Id, 1, CancellationToken.None);
        Assert.Equal(FeedHistoryEntry.Failed, history[0].Kind);
        Assert.Empty(poller.Articles);
    }

    [Fact]
    public async Task Repeated_failures_back_off_exponentially_within_the_bounds_and_a_success_clears_them()
    {
        var failing = true;
        await using var server = await LocalHttpServer.StartAsync(async c =>
        {
            if (failing) c.Response.StatusCode = 500;
            else await c.Response.WriteAsync(Rss(Item("Back", "https://news.example/back", "b", "Working again.")));
        });
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            feed = await poller.PollAsync(feed);
            waits.Add(feed.NextPollAt - feed.LastAttemptAt!.Value);
        }
        Assert.Equal(6, feed.ConsecutiveFailures);
        Assert.Contains("HTTP 500", feed.LastError);
        // Equal jitter: the n-th wait lies between half and all of min * 2^(n-1).
        for (var n = 0; n < waits.Count; n++)
            Assert.InRange(waits[n].TotalSeconds, Math.Pow(2, n) / 2 - 0.01, Math.Pow(2, n) + 0.01);

        failing = false;
        feed = await poller.PollAsync(feed);
        Assert.Equal(FeedRecord.StatusOk, feed.Status);
        Assert.Equal(0, feed.ConsecutiveFailures);
        Assert.Null(feed.LastError);
    }

    [Fact]
    public async Task A_hostile_feed_fails_its_poll_visibly_and_publishes_nothing()
    {
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(
            "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss><channel><item><title>&xxe;</title></item></channel></rss>"));
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));

        var polled = await poller.PollAsync(feed);

        Assert.Equal(FeedRecord.StatusFailing, polled.Status);
        Assert.Contains("DTD", polled.LastError);
        Assert.DoesNotContain("root:", polled.LastError);
        await Task.Delay(300);
        Assert.Empty(poller.Articles);
    }

    [Fact]
    public async Task A_feed_added_through_the_api_may_not_read_local_files()
    {
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(new Uri("file:///etc/passwd"));
        var polled = await poller.PollAsync(feed);
        Assert.Equal(FeedRecord.StatusFailing, polled.Status);
        Assert.Contains("operator's feed list", polled.LastError);
    }

    [Fact]
    public async Task Polls_that_change_only_a_feeds_times_publish_its_health_at_most_once_an_interval_and_then_its_latest_state()
    {
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(Rss(Item("A", "https://news.example/c", "c", "x"))));
        await using var poller = await PollerHarness.StartAsync(healthInterval: TimeSpan.FromSeconds(6));
        var feed = await poller.AddAsync(server.Url("feed.xml"));
        var held = Stopwatch.StartNew();
        FeedRecord last = feed;
        for (var i = 0; i < 5; i++) last = await poller.PollAsync(feed);

        // Added (pending) and the first poll (ok) changed the status and went at once; the four polls after it only
        // moved the feed's times, and are held.
        var soon = DateTime.UtcNow.AddSeconds(4);
        while (poller.Health.Count(h => h.FeedId == feed.Id) < 2 && DateTime.UtcNow < soon) await Task.Delay(50);
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        var early = poller.Health.Where(h => h.FeedId == feed.Id).Select(h => h.Status).ToList();
        Assert.True(held.Elapsed < TimeSpan.FromSeconds(6), $"the check came too late to tell ({held.Elapsed})");
        Assert.Equal([FeedRecord.StatusPending, FeedRecord.StatusOk], early);

        // After the interval, one message with the latest state.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (poller.Health.Count(h => h.FeedId == feed.Id) < 3 && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var health = poller.Health.Where(h => h.FeedId == feed.Id).ToList();
        Assert.Equal(3, health.Count);
        Assert.Equal(FeedRecord.StatusOk, health[^1].Status);
        Assert.Equal(last.LastAttemptAt, health[^1].LastAttemptAt);
        Assert.Equal(last.NextPollAt, health[^1].NextPollAt);
    }

    [Fact]
    public async Task A_held_health_state_is_published_when_the_poller_stops()
    {
        await using var server = await LocalHttpServer.StartAsync(c => c.Response.WriteAsync(Rss(Item("A", "https://news.example/s", "s", "x"))));
        await using var poller = await PollerHarness.StartAsync(healthInterval: TimeSpan.FromMinutes(10));
        var feed = await poller.AddAsync(server.Url("feed.xml"));
        await poller.PollAsync(feed);
        var last = await poller.PollAsync(feed); // only times move: held for ten minutes

        await poller.StopHealthAsync();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!poller.Health.Any(h => h.FeedId == feed.Id && h.LastAttemptAt == last.LastAttemptAt) && DateTime.UtcNow < deadline) await Task.Delay(50);
        var health = poller.Health.Where(h => h.FeedId == feed.Id).ToList();
        Assert.Equal([FeedRecord.StatusPending, FeedRecord.StatusOk, FeedRecord.StatusOk], health.Select(h => h.Status));
        Assert.Equal(last.LastAttemptAt, health[^1].LastAttemptAt);
    }

    [Fact]
    public async Task Each_change_of_a_feeds_status_publishes_its_health_on_the_bus_at_once()
    {
        var fail = false;
        await using var server = await LocalHttpServer.StartAsync(async c =>
        {
            if (fail) c.Response.StatusCode = 404;
            else await c.Response.WriteAsync(Rss(Item("A", "https://news.example/h", "h", "x")));
        });
        await using var poller = await PollerHarness.StartAsync();
        var feed = await poller.AddAsync(server.Url("feed.xml"));
        await poller.PollAsync(feed);
        fail = true;
        await poller.PollAsync(feed);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (poller.Health.Count(h => h.FeedId == feed.Id) < 3 && DateTime.UtcNow < deadline) await Task.Delay(50);
        var health = poller.Health.Where(h => h.FeedId == feed.Id).OrderBy(h => h.ChangedAt).ToList();
        Assert.Equal([FeedRecord.StatusPending, FeedRecord.StatusOk, FeedRecord.StatusFailing], health.Select(h => h.Status));
        var failing = health[^1];
        Assert.Contains("404", failing.LastError);
        Assert.NotNull(failing.LastSuccessAt);
        Assert.NotNull(failing.NextPollAt);
        Assert.Equal(1, failing.ConsecutiveFailures);
        Assert.Equal(1, failing.ArticlesPublished);
    }

    [Fact]
    public async Task The_operators_list_is_synced_at_start_and_a_feed_removed_through_the_api_stays_removed()
    {
        var folder = Directory.CreateTempSubdirectory("opml-sync").FullName;
        try
        {
            var list = Path.Combine(folder, "feeds.opml");
            static string Opml(params string[] urls) =>
                "<opml version=\"2.0\"><body>" + string.Concat(urls.Select(u => $"<outline text=\"{u}\" xmlUrl=\"{u}\"/>")) + "</body></opml>";
            await File.WriteAllTextAsync(list, Opml("https://a.example/rss", "https://b.example/rss", "https://c.example/rss"));
            await using var poller = await PollerHarness.StartAsync(list);
            var feeds = await poller.Registry.ListAsync(CancellationToken.None);
            Assert.Equal(3, feeds.Count);
            var a = feeds.Single(f => f.Url.Host == "a.example");
            Assert.Equal(FeedOrigin.List, a.Origin);

            await poller.Registry.RemoveAsync(a.Id, CancellationToken.None);
            await File.WriteAllTextAsync(list, Opml("https://a.example/rss", "https://b.example/rss", "https://d.example/rss"));
            await poller.RestartAsync();

            Assert.Equal(["b.example", "d.example"], (await poller.Registry.ListAsync(CancellationToken.None)).Select(f => f.Url.Host).Order());
            var history = await poller.Store.HistoryAsync(FeedRecord.IdFor(new Uri("https://c.example/rss")), 5, CancellationToken.None);
            Assert.Equal(FeedHistoryEntry.Removed, history[0].Kind);
            Assert.Contains("no longer in the feed list", history[0].Detail);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
