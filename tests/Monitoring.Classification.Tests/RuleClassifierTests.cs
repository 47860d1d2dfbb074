using Monitoring.Contracts;

namespace Monitoring.Classification.Tests;

public sealed class RuleClassifierTests
{
    private static readonly RuleClassifier Classifier = new();

    private static ClassificationResult Classify(string title, string text = "") =>
        Classifier.Classify(new ArticleText("t", title, text, "en"));

    [Fact]
    public void Country_names_inside_other_words_do_not_match()
    {
        var result = Classify("Tirana hosts a festival", "A concert in Tirana and a film shot in Indiana.");
        Assert.DoesNotContain(result.Countries, c => c.Code is "IR" or "IN");
    }

    [Fact]
    public void Countries_in_the_title_are_primary_and_those_only_in_the_text_are_mentioned()
    {
        var result = Classify("Japan tests a new missile", "China and Russia condemned the test.");
        Assert.True(result.Countries.Single(c => c.Code == "JP").Primary);
        Assert.False(result.Countries.Single(c => c.Code == "CN").Primary);
        Assert.False(result.Countries.Single(c => c.Code == "RU").Primary);
    }

    [Fact]
    public void Without_a_country_in_the_title_the_most_mentioned_country_is_primary()
    {
        var result = Classify("Missile test condemned", "Iran launched a missile. Iran said the test was a success. Israel objected.");
        Assert.True(result.Countries.Single(c => c.Code == "IR").Primary);
        Assert.False(result.Countries.Single(c => c.Code == "IL").Primary);
    }

    [Fact]
    public void Short_abbreviations_match_only_in_capitals()
    {
        Assert.Contains(Classify("EU agrees on new sanctions").Countries, c => c.Code == "EU");
        Assert.DoesNotContain(Classify("the eu of a word").Countries, c => c.Code == "EU");
    }

    [Fact]
    public void Chinese_names_match_without_spaces()
    {
        var result = Classifier.Classify(new ArticleText("t", "日本和中国举行会谈", "", "zh"));
        Assert.Contains(result.Countries, c => c.Code == "JP");
        Assert.Contains(result.Countries, c => c.Code == "CN");
    }

    [Fact]
    public void An_article_without_security_terms_has_no_topics_and_severity_none()
    {
        var result = Classify("Japan wins the world cup final", "Fans in Tokyo celebrated late into the night.");
        Assert.Empty(result.Topics);
        Assert.Equal(Severity.None, result.Severity);
    }

    [Fact]
    public void A_single_weak_term_is_not_enough_for_a_topic()
    {
        Assert.Empty(Classify("Japan reviews naval history museum plans").Topics);
    }

    [Fact]
    public void Repeated_instances_give_the_same_version()
    {
        Assert.Equal(new RuleClassifier().Version, new RuleClassifier().Version);
        Assert.StartsWith("rules-", Classifier.Version);
    }
}
