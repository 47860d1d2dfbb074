using Monitoring.Alerts.Stories;
using Xunit.Abstractions;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>The story engine on its own, in memory: grouping quality and determinism without a store.</summary>
public sealed class StoryEngineTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2025, 3, 6, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_engine_groups_the_evaluation_set_with_purity_and_completeness_of_at_least_0_9()
    {
        var run = new InMemoryStoryRun(new StoryOptions());
        foreach (var message in StoryEvaluation.Messages(Start, "")) run.Record(message);
        var (purity, completeness, stories) = StoryEvaluation.Score(run.StoryOfArticle);
        output.WriteLine($"story evaluation (engine): {StoryEvaluation.Articles.Count} articles, 20 known stories, {stories} found; purity {purity:0.000}, completeness {completeness:0.000}");
        output.WriteLine(StoryEvaluation.Describe(run.StoryOfArticle));
        foreach (var d in run.Decisions.Where(d => d.Event is ArticleJoinedStory)) output.WriteLine($"  {((ArticleJoinedStory)d.Event).ArticleId} {((ArticleJoinedStory)d.Event).Match}");
        Assert.True(purity >= 0.9, $"purity {purity:0.000}");
        Assert.True(completeness >= 0.9, $"completeness {completeness:0.000}");
    }
}
