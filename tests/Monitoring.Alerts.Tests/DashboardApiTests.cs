using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Monitoring.Contracts;
using Monitoring.Testing;

namespace Monitoring.Alerts.Tests;

public sealed partial class DashboardApiTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private async Task<JsonElement> RecentAsync(string query) => await store.Http.GetFromJsonAsync<JsonElement>("api/alerts" + query);

    private static List<string> ArticlesOf(JsonElement page) =>
        page.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("articleId").GetString()!).ToList();

    [Fact]
    public async Task Recent_alerts_list_each_article_once_newest_first_with_the_position_the_stream_continues_from()
    {
        var now = DateTimeOffset.UtcNow;
        var (older, both, newest) = (NewId(), NewId(), NewId());
        await store.RecordAsync(Articles.Classified(older, primary: ["NO"], classifiedAt: now.AddHours(-2)));
        await store.RecordAsync(Articles.Classified(both, primary: ["NO", "SE"], classifiedAt: now.AddHours(-1)));
        await store.RecordAsync(Articles.Classified(newest, primary: ["SE"], classifiedAt: now.AddMinutes(-1)));
        await store.WaitForProjectionsAsync();

        var page = await RecentAsync("?limit=500");
        var listed = ArticlesOf(page).Where(id => id == older || id == both || id == newest).ToList();
        Assert.Equal([newest, both, older], listed); // the article alerting two countries is listed once
        var position = page.GetProperty("position").GetInt64();
        Assert.True(page.GetProperty("alerts").EnumerateArray().All(a => a.GetProperty("position").GetInt64() <= position));

        // What is recorded after the page arrives through the stream that continues from its position, and nothing before.
        var later = NewId();
        await store.RecordAsync(Articles.Classified(later, primary: ["SE"]));
        using var response = await store.Http.GetAsync($"api/alerts/stream?country=NO,SE&after={position}", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new ServerSentEventsReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await reader.NextAsync(timeout.Token);
        Assert.Equal(later, JsonDocument.Parse(first!.Data).RootElement.GetProperty("articleId").GetString());
    }

    [Fact]
    public async Task Recent_alerts_filter_by_country_topic_severity_and_language()
    {
        var (cyber, conflict, ukrainian, low) = (NewId(), NewId(), NewId(), NewId());
        await store.RecordAsync(Articles.Classified(cyber, primary: ["PT"], topics: [Topics.Cyber], severity: Severity.Medium));
        await store.RecordAsync(Articles.Classified(conflict, primary: ["PT"], topics: [Topics.ArmedConflict], severity: Severity.Critical));
        await store.RecordAsync(Articles.Classified(ukrainian, primary: ["PT"], topics: [Topics.Cyber], severity: Severity.High) with { Language = "uk" });
        await store.RecordAsync(Articles.Classified(low, primary: ["ES"], topics: [Topics.Cyber], severity: Severity.Low));
        await store.WaitForProjectionsAsync();

        Assert.Equal([ukrainian, conflict, cyber], ArticlesOf(await RecentAsync("?country=PT")));
        Assert.Equal([ukrainian, cyber], ArticlesOf(await RecentAsync("?country=pt&topic=cyber")));
        Assert.Equal([ukrainian, conflict], ArticlesOf(await RecentAsync("?country=PT&minSeverity=high")));
        Assert.Equal([ukrainian], ArticlesOf(await RecentAsync("?country=PT&language=uk")));
        Assert.Equal([ukrainian], ArticlesOf(await RecentAsync("?country=PT&limit=1")));
        Assert.Contains(low, ArticlesOf(await RecentAsync("?topic=cyber&limit=500")));
        Assert.DoesNotContain(low, ArticlesOf(await RecentAsync("?topic=cyber&minSeverity=medium&limit=500")));
    }

    [Fact]
    public async Task A_withdrawn_alert_leaves_the_recent_list()
    {
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["IS"]));
        await store.WaitForProjectionsAsync();
        Assert.Contains(id, ArticlesOf(await RecentAsync("?country=IS")));

        await store.RecordAsync(Articles.Classified(id, revision: 2, primary: [], mentioned: ["IS"]));
        await store.WaitForProjectionsAsync();
        Assert.DoesNotContain(id, ArticlesOf(await RecentAsync("?country=IS")));
    }

    [Theory]
    [InlineData("?country=Japan", "country")]
    [InlineData("?topic=weather", "unknown topic")]
    [InlineData("?minSeverity=severe", "minSeverity")]
    [InlineData("?language=xx", "unknown language")]
    public async Task Recent_alerts_answer_an_unknown_filter_with_a_clear_error(string query, string says)
    {
        using var response = await store.Http.GetAsync("api/alerts" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(says, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Story_sizes_of_many_stories_come_in_one_request()
    {
        var (first, copy) = (NewId(), NewId());
        var title = "Angkatan laut Filipina mengusir kapal asing dari Laut Cina Selatan " + NewId();
        await store.RecordAsync(Articles.Classified(first, primary: ["PH"], title: title));
        await store.RecordAsync(Articles.Classified(copy, primary: ["PH"], title: title));
        string? story = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (story is null && DateTime.UtcNow < deadline)
        {
            await store.WaitForProjectionsAsync();
            var alerts = (await RecentAsync("?country=PH")).GetProperty("alerts").EnumerateArray().ToList();
            var stories = alerts.Select(a => a.GetProperty("storyId").GetString()).Distinct().ToList();
            if (alerts.Count == 2 && stories is [{ } one]) story = one;
            else await Task.Delay(200);
        }
        Assert.NotNull(story);

        var answer = await store.Http.GetFromJsonAsync<JsonElement>($"api/dashboard/stories?ids={story},no-such-story");
        var only = Assert.Single(answer.GetProperty("stories").EnumerateArray());
        Assert.Equal(story, only.GetProperty("id").GetString());
        Assert.Equal(2, only.GetProperty("articleCount").GetInt32());
        Assert.Empty(only.GetProperty("articles").EnumerateArray()); // sizes only: no article lists

        using var none = await store.Http.GetAsync("api/dashboard/stories?ids=");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        using var tooMany = await store.Http.GetAsync("api/dashboard/stories?ids=" + string.Join(",", Enumerable.Range(0, 201)));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task Vocabulary_lists_the_topics_severities_and_languages_filters_accept()
    {
        var vocabulary = await store.Http.GetFromJsonAsync<JsonElement>("api/vocabulary");
        Assert.Equal(Topics.All, vocabulary.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["none", "low", "medium", "high", "critical"], vocabulary.GetProperty("severities").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("id", vocabulary.GetProperty("languages").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_dashboard_page_and_its_bundled_assets_are_served_by_the_service_itself()
    {
        using var page = await store.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();

        // Everything the page loads comes from this service: no other origin in any src or href.
        var references = ReferencePattern().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(r.StartsWith('/') || r.StartsWith('#') || r.StartsWith("data:"), r));

        var script = Assert.Single(references, r => r.StartsWith("/assets/") && r.EndsWith(".js"));
        using var asset = await store.Http.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", asset.Headers.CacheControl?.ToString());
        Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 50_000); // the map and chart libraries are in it
        Assert.Single(references, r => r.StartsWith("/assets/") && r.EndsWith(".css"));

        using var missing = await store.Http.GetAsync("/assets/nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [GeneratedRegex("""(?:src|href)="([^"]*)""")]
    private static partial Regex ReferencePattern();
}
