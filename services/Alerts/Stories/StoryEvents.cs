using Monitoring.Alerts.Articles;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Stories;

// The events of one story's stream (stream id = story id), appended by the StoryAssigner in event-store order.
// Each carries the story as it stands after the event and the alert state it had before, so the story read
// model, the per-story subscriptions and the country alerts can all be derived from them without other reads.

/// <summary>An article as a member of a story: what the story shows of it.</summary>
public sealed record StoryArticle(
    string ArticleId, long Position, int Revision, string Title, string Url, string Source, string Language,
    DateTimeOffset? PublishedAt, DateTimeOffset DetectedAt, IReadOnlyList<string> Countries, IReadOnlyList<string> Topics,
    Severity Severity);

/// <summary>
/// Why an article joined a story: <c>near-duplicate</c> (same language, similar text), <c>same-event</c> (same
/// language, related text and shared names or numbers) or <c>cross-language</c> (shared countries, topic, time
/// and names or numbers); the member it matched best, the score, and the anchors they share.
/// </summary>
public sealed record StoryMatch(string Kind, string MatchedArticleId, double Score, double TextSimilarity, double AnchorOverlap,
    IReadOnlyList<string> SharedAnchors);

/// <summary>The story as it stands after an event.</summary>
public sealed record StorySummary(
    string Title, IReadOnlyList<string> Countries, IReadOnlyList<string> Topics, Severity Severity, int Articles,
    IReadOnlyList<string> Sources, IReadOnlyList<string> Languages, DateTimeOffset FirstSeen, DateTimeOffset LastUpdated,
    int SourcesInWindow, double GrowthPerHour, DateTimeOffset? BreakingAt, DateTimeOffset? LastSurgeAt)
{
    /// <summary>What the story alerts on: its countries and topics at its highest severity.</summary>
    public AlertState Alert => Articles == 0 ? AlertState.None : new AlertState(Countries, Topics, Severity);
}

/// <summary>Why a story was flagged breaking, in words and in figures.</summary>
public sealed record BreakingReason(
    string Text, int NewSources, int WindowMinutes, double Threshold, double Baseline, string BaselineCell,
    int MinSources, double Factor, IReadOnlyList<string> Sources);

/// <summary>What every story event says.</summary>
public interface IStoryEvent
{
    string StoryId { get; }

    /// <summary>Position of the article event that caused this one.</summary>
    long Cause { get; }

    StorySummary Story { get; }

    /// <summary>What the story alerted on before this event (<see cref="AlertState.None"/> for a new story).</summary>
    AlertState Previous { get; }
}

/// <summary>An event that changes which story an article belongs to or what it says there (the article's alerts name the story).</summary>
public interface IStoryMembershipEvent : IStoryEvent
{
    string ArticleId { get; }

    /// <summary>The countries whose alerts for the article belong to this story (empty when it left).</summary>
    IReadOnlyList<string> ArticleCountries { get; }
}

public sealed record StoryStarted(string StoryId, StoryArticle Article, StorySummary Story) : IStoryMembershipEvent
{
    public long Cause => Article.Position;
    public AlertState Previous => AlertState.None;
    public string ArticleId => Article.ArticleId;
    public IReadOnlyList<string> ArticleCountries => Article.Countries;
}

public sealed record ArticleJoinedStory(string StoryId, StoryArticle Article, StoryMatch Match, StorySummary Story, AlertState Previous)
    : IStoryMembershipEvent
{
    public long Cause => Article.Position;
    public string ArticleId => Article.ArticleId;
    public IReadOnlyList<string> ArticleCountries => Article.Countries;
}

/// <summary>A new revision or classification of a member that still alerts: it stays in its story.</summary>
public sealed record ArticleRevisedInStory(string StoryId, StoryArticle Article, StorySummary Story, AlertState Previous)
    : IStoryMembershipEvent
{
    public long Cause => Article.Position;
    public string ArticleId => Article.ArticleId;
    public IReadOnlyList<string> ArticleCountries => Article.Countries;
}

/// <summary>A member no longer alerts (reclassified or edited away): it leaves the story.</summary>
public sealed record ArticleLeftStory(string StoryId, string ArticleId, long Cause, StorySummary Story, AlertState Previous)
    : IStoryMembershipEvent
{
    public IReadOnlyList<string> ArticleCountries => [];
}

/// <summary>The story's distinct-source growth beat its topic × country baseline: flagged once, with the reason.</summary>
public sealed record StoryBreaking(string StoryId, long Cause, DateTimeOffset At, BreakingReason Reason, StorySummary Story, AlertState Previous)
    : IStoryEvent;
