using Monitoring.Contracts;

namespace Monitoring.Classification.Tests;

public sealed class SeedArticleTests
{
    private static readonly RuleClassifier Classifier = new();
    private static readonly ClassificationResult Result = Classifier.Classify(Fixtures.SeedArticle());

    [Fact]
    public void Seed_article_in_Indonesian_has_Japan_and_EU_as_primary_countries()
    {
        Assert.Equal(["EU", "JP"], Result.Countries.Where(c => c.Primary).Select(c => c.Code).Order());
    }

    [Fact]
    public void Seed_article_lists_the_other_countries_as_mentioned_not_primary()
    {
        var mentioned = Result.Countries.Where(c => !c.Primary).Select(c => c.Code).ToHashSet();
        Assert.Superset(new HashSet<string> { "CN", "KP", "RU", "KR", "UA", "US", "AU", "GB", "IT" }, mentioned);
    }

    [Fact]
    public void Seed_article_counts_every_mention_of_Japan()
    {
        var japan = Result.Countries.Single(c => c.Code == "JP");
        Assert.True(japan.Mentions >= 10, $"Japan mentioned {japan.Mentions} times");
    }

    [Fact]
    public void Seed_article_raises_the_seven_security_topics_of_the_design()
    {
        Assert.Superset(
            new HashSet<string>
            {
                Topics.DefenseCooperation, Topics.MilitaryActivity, Topics.MissilesWmd, Topics.MaritimeSecurity,
                Topics.Cyber, Topics.HybridThreats, Topics.ArmsTrade,
            },
            Result.Topics.Select(t => t.Id).ToHashSet());
    }

    [Fact]
    public void Every_topic_of_the_seed_article_carries_its_evidence()
    {
        Assert.All(Result.Topics, topic => Assert.NotEmpty(topic.Evidence));
        Assert.Contains("rudal balistik", Result.Topics.Single(t => t.Id == Topics.MissilesWmd).Evidence);
    }

    [Fact]
    public void Seed_article_with_an_ICBM_test_is_high_severity()
    {
        Assert.True(Result.Severity >= Severity.High, $"severity {Result.Severity}");
    }

    [Fact]
    public void Seed_article_uses_the_feed_language_hint()
    {
        Assert.Equal("id", Result.Language);
    }
}
