using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Contracts;
using OpenQA.Selenium;

namespace Monitoring.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class FeedHealthTests(DashboardFixture fixture)
{
    private string Feed(string name) => $"{fixture.RunId}-{name}";

    private FeedHealthChanged Health(string name, string status, TimeSpan changedAgo, string? error = null, int failures = 0,
        TimeSpan? lastSuccessAgo = null, TimeSpan? nextPollIn = null, long articles = 0)
    {
        var now = DateTimeOffset.UtcNow;
        return new FeedHealthChanged(Feed(name), $"https://{name}.example/feed.xml", name, status, now - changedAgo,
            lastSuccessAgo is { } s ? now - s : null, error, failures, nextPollIn is { } n ? now + n : null, articles, now - changedAgo);
    }

    /// <summary>Publishes the health of four feeds as the poller would, with one message arriving out of order.</summary>
    private async Task PublishFeedsAsync()
    {
        await fixture.PublishAsync(Health("kabar", "ok", TimeSpan.FromMinutes(2), lastSuccessAgo: TimeSpan.FromMinutes(2), nextPollIn: TimeSpan.FromMinutes(8), articles: 12));
        await fixture.PublishAsync(Health("kabar", "failing", TimeSpan.FromMinutes(30), error: "timed out", failures: 1)); // older: ignored
        await fixture.PublishAsync(Health("ukrinform", "failing", TimeSpan.FromMinutes(1), error: "HTTP 503 Service Unavailable", failures: 3,
            lastSuccessAgo: TimeSpan.FromHours(2), nextPollIn: TimeSpan.FromMinutes(4), articles: 40));
        await fixture.PublishAsync(Health("nhk", "paused", TimeSpan.FromMinutes(5), lastSuccessAgo: TimeSpan.FromDays(1), articles: 7));
        await fixture.PublishAsync(Health("gone", "ok", TimeSpan.FromMinutes(3), lastSuccessAgo: TimeSpan.FromMinutes(3), nextPollIn: TimeSpan.FromMinutes(5)));
        await fixture.PublishAsync(Health("gone", "removed", TimeSpan.FromMinutes(1)));
    }

    private async Task<List<JsonElement>> MyFeedsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<JsonElement> mine = [];
        while (DateTime.UtcNow < deadline)
        {
            var health = await fixture.Alerts.Http.GetFromJsonAsync<JsonElement>("api/feed-health");
            mine = health.GetProperty("feeds").EnumerateArray().Where(f => f.GetProperty("id").GetString()!.StartsWith(fixture.RunId)).ToList();
            if (mine.Count == count && mine.Any(f => f.GetProperty("id").GetString() == Feed("nhk"))) return mine;
            await Task.Delay(200);
        }
        throw new TimeoutException($"feed health did not settle: {string.Join(", ", mine)}\n{fixture.Alerts.RecentOutput}");
    }

    [Fact]
    public async Task Feed_health_from_the_bus_keeps_each_feed_s_latest_state_failing_first_and_forgets_removed_feeds()
    {
        await PublishFeedsAsync();
        var feeds = await MyFeedsAsync(3);
        Assert.Equal([Feed("ukrinform"), Feed("nhk"), Feed("kabar")], feeds.Select(f => f.GetProperty("id").GetString()));
        var kabar = feeds[2];
        Assert.Equal("ok", kabar.GetProperty("status").GetString()); // the older "failing" message changed nothing
        Assert.Equal(12, kabar.GetProperty("articlesPublished").GetInt64());
        var failing = feeds[0];
        Assert.Equal("HTTP 503 Service Unavailable", failing.GetProperty("lastError").GetString());
        Assert.Equal(3, failing.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal(JsonValueKind.Null, feeds[1].GetProperty("nextPollAt").ValueKind);
    }

    [Fact]
    [Trait("Category", "Browser")]
    public async Task Feed_panel_shows_each_feed_ok_or_failing_with_last_success_last_error_and_next_poll()
    {
        await PublishFeedsAsync();
        await MyFeedsAsync(3);
        fixture.OpenOverview();
        var rows = fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector("#feed-health tr[data-feed]"))
            .Where(r => r.Data("feed").StartsWith(fixture.RunId)).ToList() is { Count: 3 } mine ? mine : null, "three feeds in the feed panel")!;

        var failing = rows[0].FindElements(By.TagName("td")).Select(td => td.Text).ToList();
        Assert.Equal(["ukrinform", "failing ×3", "2 h ago", "HTTP 503 Service Unavailable", "in 4 min", "40"], failing);
        var ok = rows[2].FindElements(By.TagName("td")).Select(td => td.Text).ToList();
        Assert.Equal(["kabar", "ok", "2 min ago", "", "in 8 min", "12"], ok);
        Assert.Equal("paused", rows[1].Data("status"));
        Assert.Contains("alarm", fixture.Browser.Driver.ClassOf("#feed-health"));
        fixture.Browser.Screenshot("overview-feed-health");
    }
}
