using JasperFx.Events;
using Marten.Events.Projections;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// A story as the API shows it: the same real-world event across sources and languages, with its articles (in the
/// order they joined, each with why it joined) and its source timeline. Projected from the story events on the
/// async daemon, so <c>projections rebuild</c> rebuilds it.
/// </summary>
public sealed class Story
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public List<string> Countries { get; set; } = [];
    public List<string> Topics { get; set; } = [];
    public Severity Severity { get; set; }
    public int SeverityLevel { get; set; }
    public List<string> Sources { get; set; } = [];
    public List<string> Languages { get; set; } = [];
    public List<StoryEntry> Articles { get; set; } = [];
    public int ArticleCount { get; set; }

    /// <summary>Each source with the time of its first article here: growth is measured on it.</summary>
    public List<SourceSeen> SourceTimeline { get; set; } = [];
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset? BreakingAt { get; set; }
    public BreakingReason? BreakingReason { get; set; }

    /// <summary>The latest time the story's growth beat its threshold; it counts as breaking for a while after.</summary>
    public DateTimeOffset? LastSurgeAt { get; set; }

    /// <summary>Position of the latest story event applied.</summary>
    public long Position { get; set; }
}

/// <summary>An article of a story: what it said when it last changed, how it joined, whether it is still in.</summary>
public sealed record StoryEntry(StoryArticle Article, StoryMatch? Match, bool Active);

public sealed class StoryProjection : MultiStreamProjection<Story, string>
{
    public StoryProjection()
    {
        Name = "stories";
        Identity<StoryStarted>(e => e.StoryId);
        Identity<ArticleJoinedStory>(e => e.StoryId);
        Identity<ArticleRevisedInStory>(e => e.StoryId);
        Identity<ArticleLeftStory>(e => e.StoryId);
        Identity<StoryBreaking>(e => e.StoryId);
        // With Evolve overridden, Marten cannot tell which events the projection reads: without this list the daemon
        // would load (and deserialise) every event of the store for it, article texts included.
        IncludeType<StoryStarted>();
        IncludeType<ArticleJoinedStory>();
        IncludeType<ArticleRevisedInStory>();
        IncludeType<ArticleLeftStory>();
        IncludeType<StoryBreaking>();
    }

    public override Story? Evolve(Story? story, string id, IEvent e)
    {
        if (e.Data is not IStoryEvent storyEvent) return story;
        story ??= new Story { Id = id };
        switch (storyEvent)
        {
            case StoryStarted started:
                story.Articles.Add(new StoryEntry(started.Article, null, true));
                break;
            case ArticleJoinedStory joined:
                story.Articles.RemoveAll(a => a.Article.ArticleId == joined.ArticleId);
                story.Articles.Add(new StoryEntry(joined.Article, joined.Match, true));
                break;
            case ArticleRevisedInStory revised:
                Replace(story, revised.ArticleId, entry => entry with { Article = revised.Article });
                break;
            case ArticleLeftStory left:
                Replace(story, left.ArticleId, entry => entry with { Active = false });
                break;
            case StoryBreaking breaking:
                story.BreakingReason = breaking.Reason;
                break;
        }
        var summary = storyEvent.Story;
        story.Title = summary.Title;
        story.Countries = summary.Countries.ToList();
        story.Topics = summary.Topics.ToList();
        story.Severity = summary.Severity;
        story.SeverityLevel = (int)summary.Severity;
        story.Sources = summary.Sources.ToList();
        story.Languages = summary.Languages.ToList();
        story.ArticleCount = summary.Articles;
        story.FirstSeen = summary.FirstSeen;
        story.LastUpdated = summary.LastUpdated;
        story.BreakingAt = summary.BreakingAt;
        story.LastSurgeAt = summary.LastSurgeAt;
        story.Position = e.Sequence;
        if (storyEvent is StoryStarted or ArticleJoinedStory)
        {
            var article = storyEvent is StoryStarted s ? s.Article : ((ArticleJoinedStory)storyEvent).Article;
            if (story.SourceTimeline.All(t => t.Source != article.Source)) story.SourceTimeline.Add(new SourceSeen(article.Source, article.DetectedAt));
        }
        return story;
    }

    private static void Replace(Story story, string articleId, Func<StoryEntry, StoryEntry> change)
    {
        var index = story.Articles.FindLastIndex(a => a.Article.ArticleId == articleId);
        if (index >= 0) story.Articles[index] = change(story.Articles[index]);
    }
}
