using System.Drawing;
using OpenQA.Selenium;

namespace Monitoring.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class OverviewTests(DashboardFixture fixture)
{
    private IWebDriver Driver => fixture.Browser.Driver;

    [Fact]
    public void Dashboard_loads_with_every_country_coloured_by_its_highest_severity_in_the_last_24_hours()
    {
        fixture.OpenOverview();
        fixture.Browser.WaitFor(d => d.ClassOf("path.country[data-code='UA']").Contains("sev-critical"), "Ukraine to turn critical");

        Assert.Contains("sev-high", Driver.ClassOf("path.country[data-code='JP']")); // its critical alert 12 days ago does not count
        Assert.Contains("sev-medium", Driver.ClassOf("path.country[data-code='FR']"));
        Assert.Contains("quiet", Driver.ClassOf("path.country[data-code='KP']")); // alerts, but none in 24 h
        Assert.Contains("no-alerts", Driver.ClassOf("path.country[data-code='BR']"));
        Assert.True(Driver.FindElements(By.CssSelector("path.country")).Count > 150);
        // Places the map cannot show get a place of their own: the EU always, small states when they alert.
        Assert.Contains("sev-high", Driver.ClassOf(".off-map a.place[data-code='EU']"));
        Assert.Contains("sev-low", Driver.ClassOf(".off-map a.place[data-code='SG']"));
        Assert.DoesNotContain(fixture.Browser.ConsoleMessages(), m => m.StartsWith("Severe"));
        fixture.Browser.Screenshot("overview-wall-screen");
    }

    [Fact]
    public void Feed_shows_each_alert_with_title_source_time_countries_topics_severity_and_a_link_to_the_original()
    {
        fixture.OpenOverview();
        var items = Driver.FeedItems();
        Assert.True(items.Count >= DashboardScenario.Articles.Count);
        var seed = items.Single(i => i.Data("article") == $"{fixture.RunId}-seed-eu-japan");

        var link = seed.FindElement(By.CssSelector("a.alert-title"));
        Assert.Equal(DashboardScenario.SeedTitle, link.Text);
        Assert.Equal("https://news.example/seed-eu-japan", link.GetAttribute("href"));
        Assert.Equal("_blank", link.GetAttribute("target"));
        Assert.Equal("high", seed.FindElement(By.CssSelector(".badge")).Text.ToLowerInvariant());
        Assert.Equal("Kabar Lokal", seed.FindElement(By.CssSelector(".source")).Text);
        Assert.Equal("Indonesian", seed.FindElement(By.CssSelector(".language")).Text);
        Assert.Matches("^2[0-9] min ago$", seed.FindElement(By.CssSelector("time")).Text);
        Assert.Equal(["JP", "EU"], seed.FindElements(By.CssSelector(".country-chip")).Select(c => c.Text));
        Assert.Contains("CN", seed.FindElement(By.CssSelector(".mentions")).Text);
        Assert.Equal(7, seed.FindElements(By.CssSelector(".topic-chip")).Count);
        Assert.Contains(seed.FindElements(By.CssSelector(".topic-chip")), t => t.Text == "Missiles & WMD");

        // Newest first.
        var times = items.Select(i => DateTimeOffset.Parse(i.FindElement(By.CssSelector("time")).GetAttribute("datetime")!)).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
    }

    [Fact]
    public async Task An_alert_published_while_the_page_is_open_appears_at_the_top_without_reload_and_colours_the_map()
    {
        fixture.OpenOverview();
        Assert.Contains("no-alerts", Driver.ClassOf("path.country[data-code='NZ']"));
        ((IJavaScriptExecutor)Driver).ExecuteScript("window.stillTheSamePage = true;");

        var live = new DashboardScenario.Article("live-nz", "Jeshi la New Zealand laonya juu ya meli za kigeni", "Mwananchi", "sw",
            ["NZ"], [], [Contracts.Topics.MaritimeSecurity], Contracts.Severity.Critical, TimeSpan.Zero);
        await fixture.PublishAsync(DashboardScenario.Classified(live, fixture.RunId, DateTimeOffset.UtcNow));

        var id = $"{fixture.RunId}-live-nz";
        fixture.Browser.WaitFor(d => d.FeedItems().FirstOrDefault()?.Data("article") == id, "the published alert at the top of the feed");
        Assert.True(Driver.Script<bool>("return window.stillTheSamePage === true;"), "the page was reloaded");
        Assert.Contains("fresh", Driver.FeedItems()[0].GetAttribute("class"));
        fixture.Browser.WaitFor(d => d.ClassOf("path.country[data-code='NZ']").Contains("sev-critical"), "New Zealand to turn critical on the map");
        fixture.Browser.Screenshot("overview-live-alert");
    }

    [Fact]
    public async Task Filters_narrow_the_feed_by_language_severity_topic_and_country_and_apply_to_live_alerts()
    {
        fixture.OpenOverview();
        Driver.Choose("language", "uk");
        fixture.Browser.WaitFor(d => d.FeedItems().Count == 3 && d.FeedItems().All(i => i.Data("language") == "uk"), "three Ukrainian alerts only");
        Driver.Choose("severity", "high");
        fixture.Browser.WaitFor(d => d.FeedItems().Select(i => i.Data("article")).Order().SequenceEqual(
            new[] { $"{fixture.RunId}-ua-drones", $"{fixture.RunId}-ua-strike" }), "the high and critical Ukrainian alerts");
        Driver.Choose("topic", "armed-conflict");
        Driver.Choose("country", "UA");
        fixture.Browser.WaitFor(d => d.FeedItems().Count == 2 && d.FeedItems().All(i => i.Data("countries").Contains("UA")), "two alerts for Ukraine");
        Assert.Equal("#/?country=UA&topic=armed-conflict&severity=high&language=uk", new Uri(Driver.Url).Fragment);

        // Live alerts are filtered the same way: the French one is left out, the Ukrainian one published after it shows.
        var now = DateTimeOffset.UtcNow;
        await fixture.PublishAsync(DashboardScenario.Classified(new("live-fr", "Combats intenses près de Pokrovsk", "RFI", "fr", ["UA"], [],
            [Contracts.Topics.ArmedConflict], Contracts.Severity.Critical, TimeSpan.Zero), fixture.RunId, now));
        await fixture.PublishAsync(DashboardScenario.Classified(new("live-uk", "Бої під Покровськом посилилися", "Suspilne", "uk", ["UA"], [],
            [Contracts.Topics.ArmedConflict], Contracts.Severity.Critical, TimeSpan.Zero), fixture.RunId, now));
        fixture.Browser.WaitFor(d => d.FeedItems().FirstOrDefault()?.Data("article") == $"{fixture.RunId}-live-uk", "the live Ukrainian alert");
        Assert.DoesNotContain(Driver.FeedItems(), i => i.Data("article") == $"{fixture.RunId}-live-fr");
        fixture.Browser.Screenshot("overview-filtered");

        // The filters are in the address: a reload (or a wall screen's bookmark) keeps them.
        Driver.Navigate().Refresh();
        fixture.Browser.WaitFor(d => d.FeedItems().Count == 3, "the filtered feed after a reload");
        Assert.Equal("uk", Driver.FindElement(By.Id("filter-language")).GetAttribute("value"));
    }

    [Theory]
    [InlineData(1280, 720)]
    [InlineData(1920, 1080)]
    [InlineData(3840, 2160)]
    public void A_wall_screen_shows_map_feed_and_health_at_once_without_scrolling_the_page(int width, int height)
    {
        fixture.OpenOverview(new Size(width, height));
        Assert.True(Driver.Script<long>("return document.documentElement.scrollHeight;") <= height, "the page scrolls down");
        Assert.True(Driver.Script<long>("return document.documentElement.scrollWidth;") <= width, "the page scrolls sideways");
        foreach (var panel in new[] { ".map-panel", ".feed-panel", ".feeds-panel", ".pipeline-panel" })
        {
            var element = Driver.FindElement(By.CssSelector(panel));
            Assert.True(element.Location.Y + 40 < height && element.Size.Height >= 40, $"{panel} is not on the screen");
        }
        var map = Driver.FindElement(By.CssSelector("svg.world"));
        Assert.True(map.Size.Width > width / 3, $"the map is {map.Size.Width} px wide on a {width} px screen");
        if (width == 3840) fixture.Browser.Screenshot("overview-4k");
    }

    [Fact]
    public void Narrow_window_stacks_the_overview_and_a_country_page_in_one_column_without_sideways_scrolling()
    {
        fixture.OpenOverview(new Size(420, 900));
        var map = Driver.FindElement(By.CssSelector(".map-panel")).Location.Y;
        var feed = Driver.FindElement(By.CssSelector(".feed-panel"));
        var pipeline = Driver.FindElement(By.CssSelector(".pipeline-panel"));
        Assert.True(map < feed.Location.Y && feed.Location.Y < pipeline.Location.Y, "map, feed and health are not stacked");
        Assert.True(feed.Size.Width > 360, $"the feed is {feed.Size.Width} px wide in a 420 px window");
        Assert.True(Driver.Script<long>("return document.documentElement.scrollWidth;") <= 420, "the page scrolls sideways");
        Assert.True(Driver.FindElement(By.CssSelector("svg.world")).Size.Width > 360);
        fixture.Browser.Screenshot("overview-narrow");

        // A country page too: numbers, trend, topics, stream and stories one below the other.
        Driver.Navigate().GoToUrl(fixture.Url("#/country/JP"));
        fixture.Browser.WaitFor(d => d.FeedItems("country-feed").Count > 0, "Japan's page in a narrow window");
        var panels = new[] { ".trend-panel", ".topics-panel", ".country-page .feed-panel", ".stories-panel" }
            .Select(p => Driver.FindElement(By.CssSelector(p)).Location.Y).ToList();
        Assert.Equal(panels.Order(), panels);
        Assert.True(Driver.Script<long>("return document.documentElement.scrollWidth;") <= 420, "the country page scrolls sideways");
        fixture.Browser.Screenshot("country-narrow");
    }
}
