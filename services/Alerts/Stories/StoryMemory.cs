using JasperFx;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Stories;

// The story assigner's working memory, written in the same transaction as the story events it decided and its
// checkpoint, so that after any restart the assigner continues exactly where it stood: same stories open, same
// baselines, same decisions. These documents are internal; the public read model is Story (projected from events).

/// <summary>A story as the assigner knows it: every member, the fingerprints of the members it compares against, its sources.</summary>
/// <remarks>
/// Stored without its members: each member is a document of its own (<see cref="StoryMember"/>, by story and article id,
/// with a story id column to read a story's members by), written only when it changes. A story of a thousand articles used to be rewritten whole (100 KB and more of
/// JSON) on every page that touched it; now a page writes the story's few fields and the members it changed. Documents
/// written before this kept their members inline; they are read as they are and written the new way on their next change.
/// </remarks>
public sealed class StoryMemory
{
    public string Id { get; set; } = "";

    /// <summary>Position of the article event that founded the story: the deterministic order of stories.</summary>
    public long Sequence { get; set; }
    public DateTimeOffset FirstSeen { get; set; }

    /// <summary>The latest member's time: the story takes new members while this is within the window of the clock.</summary>
    public DateTimeOffset LastSeen { get; set; }
    public List<StoryMember> Members { get; set; } = [];

    /// <summary>Each source with the time of its first article in the story, in order of arrival.</summary>
    public List<SourceSeen> Sources { get; set; } = [];

    /// <summary><c>{cell}|{hour}</c> pairs already counted as story-hours in the baselines (recent hours only).</summary>
    public List<string> CountedHours { get; set; } = [];
    public DateTimeOffset? BreakingAt { get; set; }
    public DateTimeOffset? LastSurgeAt { get; set; }

    /// <summary>The document as stored: everything but the members.</summary>
    public StoryMemory WithoutMembers() => new()
    {
        Id = Id, Sequence = Sequence, FirstSeen = FirstSeen, LastSeen = LastSeen, Sources = Sources, CountedHours = CountedHours,
        BreakingAt = BreakingAt, LastSurgeAt = LastSurgeAt,
    };
}

public sealed record SourceSeen(string Source, DateTimeOffset At);

/// <summary>A member of a story, stored as a document of its own.</summary>
public sealed class StoryMember
{
    /// <summary><c>{storyId}|{articleId}</c>: an article that moved to another story stays in the first, inactive.</summary>
    public string Id { get; set; } = "";

    public string ArticleId { get; set; } = "";

    /// <summary>The story it is a member of.</summary>
    public string StoryId { get; set; } = "";

    public static string IdFor(string storyId, string articleId) => storyId + "|" + articleId;

    /// <summary>Places the member in <paramref name="storyId"/>.</summary>
    public void JoinStory(string storyId)
    {
        StoryId = storyId;
        Id = IdFor(storyId, ArticleId);
    }

    /// <summary>Its place in the story's member list (members are read back in this order): the position it joined at.</summary>
    public long Order { get; set; }

    public long Position { get; set; }
    public int Revision { get; set; }
    public string Title { get; set; } = "";
    public string Url { get; set; } = "";
    public string Source { get; set; } = "";
    public string Language { get; set; } = "";
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset DetectedAt { get; set; }

    /// <summary>Primary countries (what it alerts).</summary>
    public List<string> Countries { get; set; } = [];

    /// <summary>Every country it names, primary or mentioned.</summary>
    public List<string> Mentioned { get; set; } = [];
    public List<string> Topics { get; set; } = [];
    public Severity Severity { get; set; }
    public bool Active { get; set; } = true;

    /// <summary>How many later members joined by matching this one: the most central member titles the story.</summary>
    public int Degree { get; set; }

    /// <summary>Kept only for the members new articles are compared against (the first and the latest few).</summary>
    public ArticleFingerprint? Fingerprint { get; set; }

    public StoryArticle ToArticle() =>
        new(ArticleId, Position, Revision, Title, Url, Source, Language, PublishedAt, DetectedAt, Countries, Topics, Severity);
}

/// <summary>Which story an article is in (also what alerts name as their <c>storyId</c>).</summary>
public sealed class ArticleStory
{
    /// <summary>The article id.</summary>
    public string Id { get; set; } = "";
    public string StoryId { get; set; } = "";

    /// <summary>False once the article stopped alerting and left the story.</summary>
    public bool Active { get; set; }
}

/// <summary>New sources and story-hours per hour in one <c>{COUNTRY}|{topic}</c> cell: the breaking baseline.</summary>
public sealed class StoryBaselineCell
{
    public string Id { get; set; } = "";
    public List<HourCount> Hours { get; set; } = [];
}

public sealed record HourCount(long Hour, int NewSources, int StoryHours);

/// <summary>How far the assigner got: every article event up to <see cref="Position"/> is assigned.</summary>
public sealed class StoryAssignerCheckpoint : IRevisioned
{
    public const string DocumentId = "story-assigner";

    public string Id { get; set; } = DocumentId;
    public long Position { get; set; }

    /// <summary>The latest article time seen: stories whose last member is older than the window are closed.</summary>
    public DateTimeOffset Clock { get; set; }

    /// <summary>Numeric revision: two assigners that both think they lead cannot both commit a page.</summary>
    public int Version { get; set; }
}
