using Monitoring.Contracts;

namespace Monitoring.Classification.Tests;

public sealed class SeedArticleTests
{
    private static readonly ClassificationResult Result = SharedClassifier.Instance.Classify(Fixtures.SeedArticle());

    [Fact]
    public void Seed_article_in_Indonesian_has_exactly_Japan_and_EU_as_primary_countries()
    {
        Assert.Equal(["EU", "JP"], Result.Countries.Where(c => c.Primary).Select(c => c.Code).Order());
    }

    [Fact]
    public void Seed_article_lists_exactly_the_nine_other_countries_as_mentioned()
    {
        Assert.Equal(["AU", "CN", "GB", "IT", "KP", "KR", "RU", "UA", "US"],
            Result.Countries.Where(c => !c.Primary).Select(c => c.Code).Order());
    }

    [Fact]
    public void Seed_article_counts_every_mention_of_Japan()
    {
        var japan = Result.Countries.Single(c => c.Code == "JP");
        Assert.True(japan.Mentions >= 10, $"Japan mentioned {japan.Mentions} times");
    }

    [Fact]
    public void Seed_article_raises_exactly_the_seven_security_topics_of_the_design()
    {
        Assert.Equal(
            new[]
            {
                Topics.DefenseCooperation, Topics.MilitaryActivity, Topics.MissilesWmd, Topics.MaritimeSecurity,
                Topics.Cyber, Topics.HybridThreats, Topics.ArmsTrade,
            }.Order(),
            Result.Topics.Select(t => t.Id).Order());
    }

    [Fact]
    public void Every_topic_of_the_seed_article_carries_its_evidence()
    {
        Assert.All(Result.Topics, topic => Assert.NotEmpty(topic.Evidence));
        Assert.Contains("rudal balistik", Result.Topics.Single(t => t.Id == Topics.MissilesWmd).Evidence);
        Assert.Contains("ancaman siber", Result.Topics.Single(t => t.Id == Topics.Cyber).Evidence);
    }

    [Fact]
    public void Seed_article_with_an_ICBM_test_is_high_severity()
    {
        Assert.True(Result.Severity >= Severity.High, $"severity {Result.Severity}");
    }

    [Fact]
    public void Seed_article_is_detected_as_Indonesian_even_without_the_feed_hint()
    {
        Assert.Equal("id", Result.Language);
        Assert.Equal("id", SharedClassifier.Instance.Classify(Fixtures.SeedArticle(languageHint: null)).Language);
    }

    [Fact]
    public void Seed_article_result_carries_the_classifier_version()
    {
        Assert.Equal(SharedClassifier.Instance.Version, Result.ClassifierVersion);
    }
}
