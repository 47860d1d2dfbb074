using System.Globalization;
using System.Text;
using System.Text.Json;
using Monitoring.Contracts;

namespace Monitoring.Classification.Evaluation;

/// <summary>One labelled article of the evaluation set (tests/Fixtures/classification-eval/articles.jsonl).</summary>
public sealed record LabelledArticle(
    string Id, string Language, string Title, string Text, string[] Primary, string[] Mentioned, string[] Topics)
{
    public bool IsSecurity => Topics.Length > 0;
    public IEnumerable<string> Countries => Primary.Concat(Mentioned);

    public static IReadOnlyList<LabelledArticle> Load(string path)
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        return File.ReadLines(path)
            .Where(line => line.Trim().Length > 0)
            .Select((line, index) => JsonSerializer.Deserialize<LabelledArticle>(line, options)
                ?? throw new InvalidDataException($"{path} line {index + 1} is empty"))
            .ToList();
    }
}

/// <summary>Precision, recall and F1 from counts.</summary>
public readonly record struct Score(int TruePositives, int FalsePositives, int FalseNegatives)
{
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    public static Score operator +(Score a, Score b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.FalseNegatives + b.FalseNegatives);

    public static Score Of(IEnumerable<string> expected, IEnumerable<string> found)
    {
        var gold = expected.ToHashSet();
        var got = found.ToHashSet();
        return new Score(got.Count(gold.Contains), got.Count(c => !gold.Contains(c)), gold.Count(c => !got.Contains(c)));
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"P {Precision:0.000}  R {Recall:0.000}  F1 {F1:0.000}");
}

/// <summary>What the classifier got right and wrong on one article.</summary>
public sealed record ArticleOutcome(LabelledArticle Article, ClassificationResult Result)
{
    public Score Countries => Score.Of(Article.Countries, Result.Countries.Select(c => c.Code));
    public Score Primary => Score.Of(Article.Primary, Result.PrimaryCountries);
    public Score Topics => Score.Of(Article.Topics, Result.Topics.Select(t => t.Id));
    public bool LanguageRight => Result.Language == Article.Language;
}

/// <summary>The classifier measured on the labelled set: the figures the tests' floors and the eval command read.</summary>
public sealed class ClassifierEvaluation
{
    public ClassifierEvaluation(IArticleClassifier classifier, IEnumerable<LabelledArticle> articles)
    {
        Outcomes = articles.Select(a => new ArticleOutcome(a, classifier.Classify(new ArticleText(a.Id, a.Title, a.Text)))).ToList();
    }

    public IReadOnlyList<ArticleOutcome> Outcomes { get; }

    public Score Countries => Outcomes.Aggregate(default(Score), (s, o) => s + o.Countries);
    public Score PrimaryCountries => Outcomes.Aggregate(default(Score), (s, o) => s + o.Primary);
    public Score Topics => Outcomes.Aggregate(default(Score), (s, o) => s + o.Topics);
    public double LanguageAccuracy => Outcomes.Count(o => o.LanguageRight) / (double)Outcomes.Count;

    /// <summary>Share of non-security articles that raised severity none.</summary>
    public double NonSecurityQuiet
    {
        get
        {
            var quiet = Outcomes.Where(o => !o.Article.IsSecurity).ToList();
            return quiet.Count == 0 ? 1 : quiet.Count(o => o.Result.Severity == Severity.None) / (double)quiet.Count;
        }
    }

    public Score TopicScore(string topic) => Outcomes.Aggregate(default(Score), (s, o) => s + Score.Of(
        o.Article.Topics.Where(t => t == topic), o.Result.Topics.Select(t => t.Id).Where(t => t == topic)));

    public string Report(bool withMistakes = false)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"{Outcomes.Count} articles, {Outcomes.Select(o => o.Article.Language).Distinct().Count()} languages, " +
                             $"{Outcomes.Count(o => !o.Article.IsSecurity)} non-security");
        text.AppendLine(inv, $"countries (all)      {Countries}");
        text.AppendLine(inv, $"countries (primary)  {PrimaryCountries}");
        text.AppendLine(inv, $"topics               {Topics}");
        text.AppendLine(inv, $"language accuracy    {LanguageAccuracy:0.000}");
        text.AppendLine(inv, $"non-security → none  {NonSecurityQuiet:0.000}");
        text.AppendLine();
        text.AppendLine("language   n  lang-ok  country-P  country-R  primary-F1  topic-P  topic-R");
        foreach (var group in Outcomes.GroupBy(o => o.Article.Language).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var c = group.Aggregate(default(Score), (s, o) => s + o.Countries);
            var p = group.Aggregate(default(Score), (s, o) => s + o.Primary);
            var t = group.Aggregate(default(Score), (s, o) => s + o.Topics);
            text.AppendLine(inv, $"{group.Key,-8} {group.Count(),3}  {group.Count(o => o.LanguageRight),7}  {c.Precision,9:0.000}  {c.Recall,9:0.000}  {p.F1,10:0.000}  {t.Precision,7:0.000}  {t.Recall,7:0.000}");
        }
        text.AppendLine();
        text.AppendLine("topic                 gold  precision  recall     F1");
        foreach (var topic in Contracts.Topics.All)
        {
            var s = TopicScore(topic);
            text.AppendLine(inv, $"{topic,-20} {s.TruePositives + s.FalseNegatives,5}  {s.Precision,9:0.000}  {s.Recall,6:0.000}  {s.F1,5:0.000}");
        }
        if (withMistakes)
        {
            text.AppendLine();
            foreach (var o in Outcomes.Where(o => o.Countries.F1 < 1 || o.Topics.F1 < 1 || !o.LanguageRight || o.Primary.F1 < 1 ||
                                                  (!o.Article.IsSecurity && o.Result.Severity != Severity.None)))
            {
                text.AppendLine(inv, $"{o.Article.Id}: lang {o.Result.Language}/{o.Article.Language}; " +
                    $"countries {string.Join(',', o.Result.Countries.Select(c => c.Code + (c.Primary ? "*" : "")))} " +
                    $"vs {string.Join(',', o.Article.Primary.Select(c => c + "*").Concat(o.Article.Mentioned))}; " +
                    $"topics {string.Join(',', o.Result.Topics.Select(t => t.Id + "[" + string.Join('|', t.Evidence) + "]"))} vs {string.Join(',', o.Article.Topics)}; " +
                    $"severity {o.Result.Severity.ToId()}");
            }
        }
        return text.ToString();
    }
}
