using Monitoring.Classification.Evaluation;

namespace Monitoring.Classification.Tests;

public static class Fixtures
{
    /// <summary>The founding example: title is the first line, text the rest.</summary>
    public static ArticleText SeedArticle(string? languageHint = "id")
    {
        var lines = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-article.id.txt")).Split('\n', 2);
        return new ArticleText("seed", lines[0].Trim(), lines[1].Trim(), languageHint);
    }

    public static IReadOnlyList<LabelledArticle> EvaluationSet() =>
        LabelledArticle.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "classification-eval", "articles.jsonl"));
}

/// <summary>One classifier for the whole test run, as in a service process.</summary>
public static class SharedClassifier
{
    private static readonly Lazy<MultilingualClassifier> Lazy = new(() => new MultilingualClassifier());

    public static MultilingualClassifier Instance => Lazy.Value;

    public static ClassificationResult Classify(string title, string text = "", string? hint = null) =>
        Instance.Classify(new ArticleText("t", title, text, hint));
}
