using Monitoring.Classification.Evaluation;

namespace Monitoring.Classification.Tests;

/// <summary>The floors of issue 3 on the labelled evaluation set (tests/Fixtures/classification-eval).</summary>
public sealed class EvaluationFloorTests
{
    private static readonly IReadOnlyList<LabelledArticle> Set = Fixtures.EvaluationSet();
    private static readonly Lazy<ClassifierEvaluation> Evaluation = new(() => new ClassifierEvaluation(SharedClassifier.Instance, Set));

    [Fact]
    public void Evaluation_set_has_200_articles_in_15_languages_a_quarter_of_them_non_security()
    {
        Assert.True(Set.Count >= 200, $"{Set.Count} articles");
        Assert.True(Set.Select(a => a.Language).Distinct().Count() >= 15);
        Assert.True(Set.Count(a => !a.IsSecurity) * 4 >= Set.Count);
        Assert.Equal(Set.Count, Set.Select(a => a.Id).Distinct().Count());
    }

    [Fact]
    public void Country_F1_on_the_evaluation_set_is_at_least_0_90()
    {
        Assert.True(Evaluation.Value.Countries.F1 >= 0.90, Evaluation.Value.Report(withMistakes: true));
    }

    [Fact]
    public void Topic_F1_on_the_evaluation_set_is_at_least_0_85()
    {
        Assert.True(Evaluation.Value.Topics.F1 >= 0.85, Evaluation.Value.Report(withMistakes: true));
    }

    [Fact]
    public void At_least_95_percent_of_non_security_articles_raise_severity_none()
    {
        Assert.True(Evaluation.Value.NonSecurityQuiet >= 0.95, Evaluation.Value.Report(withMistakes: true));
    }

    [Fact]
    public void Primary_country_F1_and_language_accuracy_stay_high()
    {
        Assert.True(Evaluation.Value.PrimaryCountries.F1 >= 0.85, Evaluation.Value.Report(withMistakes: true));
        Assert.True(Evaluation.Value.LanguageAccuracy >= 0.95, Evaluation.Value.Report(withMistakes: true));
    }
}
