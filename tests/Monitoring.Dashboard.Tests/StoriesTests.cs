using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;

namespace Monitoring.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class StoriesTests(DashboardFixture fixture)
{
    private IWebDriver Driver => fixture.Browser.Driver;

    private string Seed => $"{fixture.RunId}-seed-eu-japan";

    /// <summary>An article's story as the API tells it: its id and how many articles it has, once it has at least so many.</summary>
    private async Task<(string Id, int Articles)> StoryOfAsync(string country, string article, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var page = await fixture.Alerts.Http.GetFromJsonAsync<JsonElement>($"api/alerts?country={country}&limit=50");
            var alert = page.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("articleId").GetString() == article);
            if (alert.GetProperty("storyId").GetString() is { } id)
            {
                var story = await fixture.Alerts.Http.GetFromJsonAsync<JsonElement>($"api/stories/{id}");
                var count = story.GetProperty("articleCount").GetInt32();
                if (count >= atLeast) return (id, count);
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the story of {article} did not reach {atLeast} articles: {alert}");
            await Task.Delay(200);
        }
    }

    private string StoryText(string article) =>
        Driver.FeedItems().Single(i => i.Data("article") == article).FindElement(By.CssSelector(".story")).Text;

    [Fact]
    public async Task Each_alert_shows_the_size_of_its_story()
    {
        var (story, articles) = await StoryOfAsync("JP", Seed, atLeast: 2); // the seed and its copy from another source
        fixture.OpenOverview();
        fixture.Browser.WaitFor(d => StoryText(Seed) == $"story of {articles} articles", $"the seed's story of {articles} articles");
        Assert.Equal(story, Driver.FeedItems().Single(i => i.Data("article") == $"{fixture.RunId}-seed-copy").Data("story"));
        Assert.Equal($"story of {articles} articles", StoryText($"{fixture.RunId}-seed-copy"));
        Assert.Equal("story of 1 article", StoryText($"{fixture.RunId}-fr-cyber"));
    }

    [Fact]
    public async Task A_live_alert_joining_a_story_makes_it_grow_on_the_page()
    {
        var first = $"{fixture.RunId}-ph-shoal";
        var (_, articles) = await StoryOfAsync("PH", first, atLeast: 2);
        fixture.OpenOverview();
        fixture.Browser.WaitFor(d => StoryText(first) == $"story of {articles} articles", "the Philippine story");

        var shoal = DashboardScenario.Articles.Single(a => a.Id == "ph-shoal");
        await fixture.PublishAsync(DashboardScenario.Classified(shoal with { Id = "ph-shoal-live", Source = "Kyodo", Age = TimeSpan.Zero }, fixture.RunId, DateTimeOffset.UtcNow));
        var (_, grown) = await StoryOfAsync("PH", first, atLeast: articles + 1);
        fixture.Browser.WaitFor(d => StoryText(first) == $"story of {grown} articles", "the story to grow on the page without reload");
        Assert.Equal(grown, articles + 1);
        fixture.Browser.Screenshot("overview-stories");
    }

    [Fact]
    public async Task Country_page_lists_its_stories_with_their_size_sources_and_newest_articles()
    {
        var (story, articles) = await StoryOfAsync("JP", Seed, atLeast: 2);
        fixture.Browser.Resize(Chromium.WallScreen);
        Driver.Navigate().GoToUrl(fixture.Url("#/country/JP"));
        var listed = fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector($".story-list article.story[data-story='{story}']")).FirstOrDefault(), "the seed's story on Japan's page")!;
        Assert.True(int.Parse(listed.Data("articles")) >= articles);
        Assert.Contains(DashboardScenario.SeedTitle, listed.FindElement(By.CssSelector(".story-title")).Text);
        Assert.Matches("^[0-9]+ articles · [0-9]+ sources · Indonesian", listed.FindElement(By.CssSelector(".story-meta")).Text);
        Assert.NotEmpty(listed.FindElements(By.CssSelector(".story-articles a[href^='https://news.example/']")));
        fixture.Browser.Screenshot("country-japan-stories");
    }
}
