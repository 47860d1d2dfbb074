using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Stories;
using Xunit.Abstractions;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>The story evaluation through the whole service, in a store of its own (its times are days in the past).</summary>
public sealed class StoryEvaluationTests(AlertStoreFixture store, ITestOutputHelper output) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N")[..12];

    private async Task<JsonElement> StoriesAsync(string query) =>
        (await store.Http.GetFromJsonAsync<JsonElement>("api/stories" + query)).GetProperty("stories");

    [Fact]
    public async Task The_evaluation_set_recorded_through_the_store_groups_into_stories_with_purity_and_completeness_of_at_least_0_9()
    {
        var prefix = "e" + NewId() + "-";
        var start = DateTimeOffset.UtcNow.AddDays(-5);
        foreach (var minute in StoryEvaluation.Messages(start, prefix).GroupBy(m => m.ClassifiedAt))
            await store.RecordBatchAsync(minute.ToList());
        await store.WaitForProjectionsAsync();

        var stories = await StoriesAsync($"?since={Uri.EscapeDataString(start.AddMinutes(-1).ToString("O"))}&limit=500&articles=1000");
        var storyOf = new Dictionary<string, string>();
        foreach (var story in stories.EnumerateArray())
        foreach (var article in story.GetProperty("articles").EnumerateArray())
        {
            var id = article.GetProperty("articleId").GetString()!;
            if (id.StartsWith(prefix, StringComparison.Ordinal)) storyOf[id[prefix.Length..]] = story.GetProperty("id").GetString()!;
        }
        var (purity, completeness, found) = StoryEvaluation.Score(storyOf);
        var line = $"story evaluation: {StoryEvaluation.Articles.Count} articles in 19 languages, 20 known stories, {found} found: purity {purity:0.000}, completeness {completeness:0.000}";
        output.WriteLine(line);
        output.WriteLine(StoryEvaluation.Describe(storyOf));
        Assert.True(purity >= 0.9, line);
        Assert.True(completeness >= 0.9, line);

        // The ICBM report gained 8 sources within its first hour: breaking, with the reason; the sanctions package, spread over 5 hours, is not.
        var icbm = stories.EnumerateArray().Single(s => s.GetProperty("articles").EnumerateArray()
            .Any(a => a.GetProperty("articleId").GetString() == prefix + "eval-kp-icbm-en-wire"));
        Assert.True(icbm.GetProperty("breakingAt").ValueKind == JsonValueKind.String, icbm.ToString());
        Assert.Contains("new sources within 60 min", icbm.GetProperty("breakingReason").GetProperty("text").GetString());
        Assert.Equal(9, icbm.GetProperty("articleCount").GetInt32());
        var sanctions = stories.EnumerateArray().Single(s => s.GetProperty("articles").EnumerateArray()
            .Any(a => a.GetProperty("articleId").GetString() == prefix + "eval-eu-sanctions-en"));
        Assert.Equal(JsonValueKind.Null, sanctions.GetProperty("breakingAt").ValueKind);

        // The edited wire report stayed in its story, with its new title.
        var detail = await store.Http.GetFromJsonAsync<JsonElement>($"api/stories/{icbm.GetProperty("id").GetString()}");
        var edited = detail.GetProperty("articles").EnumerateArray().Single(a => a.GetProperty("articleId").GetString() == prefix + "eval-kp-icbm-en-wire");
        Assert.Equal(2, edited.GetProperty("revision").GetInt32());
        Assert.Contains("74 minutes", edited.GetProperty("title").GetString());
    }
}
