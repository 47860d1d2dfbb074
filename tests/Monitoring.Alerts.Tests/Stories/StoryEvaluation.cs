using System.Text.Json;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Stories;
using CountryMention = Monitoring.Contracts.CountryMention;
using Severity = Monitoring.Contracts.Severity;
using TopicScore = Monitoring.Contracts.TopicScore;
using Monitoring.Hosting;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>One article of the evaluation set (story-evaluation.json), with the story it belongs to.</summary>
public sealed record EvaluationArticle(
    string Id, string Story, string Source, string Language, int Minute, string[] Primary, string[] Mentioned, string[] Topics,
    Severity Severity, string Title, string Text, EvaluationRevision[]? Revisions);

public sealed record EvaluationRevision(int Minute, string Title, string Text);

/// <summary>
/// The story evaluation set: 65 articles written for it, in 19 languages, forming 20 known stories — wire copies and
/// their paraphrases and translations, an edited article, and unrelated stories on the same topic and country at the
/// same time (KP missiles ×3, NL cyber ×2, PH maritime ×2, RU sanctions ×2, UA conflict ×2, PK terrorism ×2, FI hybrid ×2).
/// </summary>
public static class StoryEvaluation
{
    public static readonly IReadOnlyList<EvaluationArticle> Articles = JsonSerializer.Deserialize<List<EvaluationArticle>>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Stories", "story-evaluation.json")), MonitoringJson.Options)!;

    /// <summary>Every classified message in arrival order (revisions included), times from <paramref name="start"/>, ids prefixed.</summary>
    public static IReadOnlyList<Bus.ArticleClassified> Messages(DateTimeOffset start, string prefix) =>
        Articles.SelectMany(a => Versions(a).Select(v => (Article: a, v.Revision, v.Minute, v.Title, v.Text)))
            .OrderBy(v => v.Minute).ThenBy(v => v.Article.Id, StringComparer.Ordinal)
            .Select(v => Message(v.Article, prefix, v.Revision, start.AddMinutes(v.Minute), v.Title, v.Text))
            .ToList();

    private static IEnumerable<(int Revision, int Minute, string Title, string Text)> Versions(EvaluationArticle a) =>
        new[] { (1, a.Minute, a.Title, a.Text) }.Concat((a.Revisions ?? []).Select((r, i) => (i + 2, r.Minute, r.Title, r.Text)));

    public static Bus.ArticleClassified Message(EvaluationArticle a, string prefix, int revision, DateTimeOffset at, string title, string text)
    {
        var article = new Bus.ArticleFetched(prefix + a.Id, revision, $"https://feeds.example/{Uri.EscapeDataString(a.Source)}.xml", a.Source,
            $"https://news.example/{prefix}{a.Id}", title, text, a.Language, at.AddMinutes(-3), at, $"hash-{a.Id}-{revision}");
        var countries = a.Primary.Select(c => new CountryMention(c, 3, true)).Concat(a.Mentioned.Select(c => new CountryMention(c, 1, false))).ToList();
        var topics = a.Topics.Select(t => new TopicScore(t, 2, ["evidence for " + t])).ToList();
        return new Bus.ArticleClassified(article, a.Language, countries, topics, a.Severity, "eval-1", at);
    }

    /// <summary>Purity, completeness (inverse purity) and the number of stories of a clustering, against the known stories.</summary>
    public static (double Purity, double Completeness, int Stories) Score(IReadOnlyDictionary<string, string> storyOfArticle)
    {
        var gold = Articles.ToDictionary(a => a.Id, a => a.Story);
        var n = (double)gold.Count;
        var clusters = gold.Keys.GroupBy(id => storyOfArticle.GetValueOrDefault(id) ?? "unassigned:" + id).ToList();
        var purity = clusters.Sum(c => c.GroupBy(id => gold[id]).Max(g => g.Count())) / n;
        var completeness = gold.Keys.GroupBy(id => gold[id])
            .Sum(g => g.GroupBy(id => storyOfArticle.GetValueOrDefault(id) ?? "unassigned:" + id).Max(c => c.Count())) / n;
        return (purity, completeness, clusters.Count);
    }

    /// <summary>The clustering as text, one story a line, for the test output.</summary>
    public static string Describe(IReadOnlyDictionary<string, string> storyOfArticle)
    {
        var gold = Articles.ToDictionary(a => a.Id, a => a.Story);
        return string.Join("\n", gold.Keys.GroupBy(id => storyOfArticle.GetValueOrDefault(id) ?? "?")
            .OrderBy(g => gold[g.First()], StringComparer.Ordinal)
            .Select(g => $"  {g.Key}: " + string.Join(", ", g.Select(id => $"{gold[id]}/{id.Replace("eval-", "")}"))));
    }
}

/// <summary>
/// Runs the story engine in memory over article events in store order, as the assigner does: the memory documents it
/// writes are kept in dictionaries and preloaded for articles it no longer has in memory, like the assigner reads them.
/// </summary>
public sealed class StoryReplay(StoryOptions options)
{
    private readonly ArticleFingerprinter _fingerprinter = new();
    private readonly Dictionary<string, string> _texts = [];
    private readonly Dictionary<string, ArticleStory> _articleStories = [];
    private readonly Dictionary<string, StoryMemory> _stories = [];

    public StoryEngine Engine { get; } = new(options, DateTimeOffset.MinValue, [], []);
    public List<StoryDecision> Decisions { get; } = [];
    public Dictionary<string, string> StoryOfArticle { get; } = [];

    public void Apply(long position, object e)
    {
        switch (e)
        {
            case ArticleFetched fetched: _texts[fetched.ArticleId] = fetched.Text; break;
            case ArticleUpdated updated: _texts[updated.ArticleId] = updated.Text; break;
            case IArticleClassification classified:
                if (!Engine.Knows(classified.ArticleId) && _articleStories.TryGetValue(classified.ArticleId, out var known))
                {
                    Engine.Preload([known], []);
                    Engine.Preload([], Engine.MissingStories().Select(id => _stories[id]).ToList());
                }
                var fingerprint = classified.Alert().Countries.Count > 0
                    ? _fingerprinter.Fingerprint(classified.Language, classified.Title, _texts[classified.ArticleId])
                    : null;
                foreach (var decision in Engine.Process(new StoryInput(position, classified, fingerprint)))
                {
                    Decisions.Add(decision);
                    if (decision.Event is IStoryMembershipEvent membership) StoryOfArticle[membership.ArticleId] = decision.StoryId;
                }
                var changes = Engine.TakeChanges();
                foreach (var article in changes.Articles) _articleStories[article.Id] = article;
                foreach (var story in changes.Stories) _stories[story.Id] = story;
                break;
        }
    }
}

/// <summary>Records bus messages as the recorder would (its pure decisions) and replays the events through the engine.</summary>
public sealed class InMemoryStoryRun(StoryOptions options)
{
    private readonly Dictionary<string, ArticleDetails> _articles = [];
    private long _position;

    public StoryReplay Replay { get; } = new(options);
    public List<StoryDecision> Decisions => Replay.Decisions;
    public Dictionary<string, string> StoryOfArticle => Replay.StoryOfArticle;

    public void Record(Bus.ArticleClassified message)
    {
        _articles.TryGetValue(message.Article.ArticleId, out var current);
        foreach (var e in ArticleRecording.Decide(current, message))
        {
            switch (e)
            {
                case ArticleFetched fetched: current = ArticleDetails.Create(fetched); break;
                case ArticleUpdated updated: current!.Apply(updated); break;
                case ArticleClassified classified: current!.Apply(classified); break;
            }
            Replay.Apply(++_position, e);
        }
        _articles[message.Article.ArticleId] = current!;
    }
}
