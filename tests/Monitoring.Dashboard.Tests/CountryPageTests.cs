using OpenQA.Selenium;

namespace Monitoring.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CountryPageTests(DashboardFixture fixture)
{
    private IWebDriver Driver => fixture.Browser.Driver;

    [Fact]
    public void Clicking_a_country_on_the_map_opens_its_page()
    {
        fixture.OpenOverview();
        Driver.FindElement(By.CssSelector("path.country[data-code='UA']")).Click();
        fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector(".country-page[data-country='UA'] #country-feed li.alert")).Count >= 3, "Ukraine's page with its alerts");
        Assert.EndsWith("#/country/UA", Driver.Url);
        Assert.Equal("Ukraine", Driver.FindElement(By.CssSelector(".country-head h1")).Text);
    }

    [Fact]
    public void The_EU_has_a_place_of_its_own_that_opens_its_page()
    {
        fixture.OpenOverview();
        Driver.FindElement(By.CssSelector(".off-map a.place[data-code='EU']")).Click();
        fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector(".country-page[data-country='EU'] #country-feed li.alert")).Count == 3, "the EU's page with its three alerts");
        Assert.Equal("European Union", Driver.FindElement(By.CssSelector(".country-head h1")).Text);
    }

    [Fact]
    public void Country_page_shows_its_daily_trend_topic_mix_and_alert_stream()
    {
        fixture.Browser.Resize(Chromium.WallScreen);
        Driver.Navigate().GoToUrl(fixture.Url("#/country/JP"));
        var trend = fixture.Browser.WaitFor(d => d.FindElement(By.Id("trend-chart")) is var c && c.Data("days") == "30" ? c : null, "Japan's trend chart")!;

        // One bar per day over 30 days, each day's count where the scenario put Japan's alerts.
        var today = DateTime.UtcNow.Date;
        var expected = Enumerable.Range(0, 30).Select(i => today.AddDays(i - 29)).Select(day => DashboardScenario.Articles
            .Count(a => a.Primary.Contains("JP") && (fixture.Now - a.Age).UtcDateTime.Date == day)).ToList();
        Assert.Equal(string.Join(",", expected), trend.Data("series"));
        Assert.Equal(5, expected.Sum());
        Assert.True(trend.Size.Height > 100);

        // Topics of the last 7 days, most frequent first: military activity three times (the seed, its copy, the drills),
        // then the seed's other topics; the missile alert 12 days ago is older.
        var topics = Driver.FindElement(By.Id("topics-chart")).Data("topics").Split(' ');
        Assert.Equal("military-activity", topics[0]);
        Assert.Equal(7, topics.Length);
        Assert.Equal(5, Driver.FeedItems("country-feed").Count);
        Assert.Equal("JP", Driver.FindElement(By.CssSelector(".country-code")).Text);
        fixture.Browser.Screenshot("country-japan");
    }
}
