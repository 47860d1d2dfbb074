using BenchmarkDotNet.Attributes;
using Monitoring.Classification.Evaluation;

namespace Monitoring.Classification.Benchmarks;

/// <summary>
/// The full classify step (language, countries, topics, severity) on realistic 2–4 KB articles in the 25
/// languages, one thread; Mean is per article, Allocated is per article. Load measures building the classifier
/// (reading and indexing every data file).
/// </summary>
[MemoryDiagnoser]
public class ClassifyBenchmarks
{
    private MultilingualClassifier _classifier = null!;
    private ArticleText[] _articles = [];

    public const int Articles = 100;

    [GlobalSetup]
    public void Setup()
    {
        _classifier = new MultilingualClassifier();
        _articles = RealisticArticles.Build(Articles);
    }

    [Benchmark(OperationsPerInvoke = Articles)]
    public int Classify()
    {
        var topics = 0;
        foreach (var article in _articles) topics += _classifier.Classify(article).Topics.Count;
        return topics;
    }

    [Benchmark]
    public MultilingualClassifier Load() => new();
}

/// <summary>
/// Articles of 2–4 KB built from the evaluation set: each joins the labelled items of one language (wire copy in
/// that language) into one text, as a long article with several paragraphs would read, plus the seed article.
/// </summary>
public static class RealisticArticles
{
    public static ArticleText[] Build(int count)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var byLanguage = LabelledArticle.Load(Path.Combine(folder, "articles.jsonl")).GroupBy(a => a.Language).ToList();
        var seed = File.ReadAllText(Path.Combine(folder, "seed-article.id.txt")).Split('\n', 2);
        var articles = new List<ArticleText> { new("seed", seed[0], seed[1]) };
        var round = 0;
        while (articles.Count < count)
        {
            foreach (var group in byLanguage)
            {
                var items = group.ToList();
                var first = items[round % items.Count];
                var text = new System.Text.StringBuilder();
                for (var k = 0; text.Length < 2000 + (round * 337 + k * 101) % 1500; k++)
                {
                    var item = items[(round + k) % items.Count];
                    text.Append(item.Title).Append(". ").Append(item.Text).Append("\n\n");
                }
                articles.Add(new ArticleText($"{group.Key}-{round}", first.Title, text.ToString()));
                if (articles.Count == count) break;
            }
            round++;
        }
        return articles.ToArray();
    }
}
