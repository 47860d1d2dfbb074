using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Contracts;
using Monitoring.Hosting;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// One entry of the story feed (what <c>per=story</c> subscribers read): a story event at its position in the event
/// store, with the story as it stood then and what it alerted on before.
/// </summary>
public sealed record StoryItem(long Position, string StoryId, string Change, StorySummary Story, AlertState Previous,
    StoryArticle? Article, StoryMatch? Match, BreakingReason? Reason, DateTimeOffset RecordedAt)
{
    public static StoryItem? From(IEvent e) => e.Data switch
    {
        StoryStarted s => new StoryItem(e.Sequence, s.StoryId, "started", s.Story, s.Previous, s.Article, null, null, e.Timestamp),
        ArticleJoinedStory j => new StoryItem(e.Sequence, j.StoryId, "joined", j.Story, j.Previous, j.Article, j.Match, null, e.Timestamp),
        ArticleRevisedInStory r => new StoryItem(e.Sequence, r.StoryId, "revised", r.Story, r.Previous, r.Article, null, null, e.Timestamp),
        ArticleLeftStory l => new StoryItem(e.Sequence, l.StoryId, "left", l.Story, l.Previous, null, null, null, e.Timestamp),
        StoryBreaking b => new StoryItem(e.Sequence, b.StoryId, "breaking", b.Story, b.Previous, null, null, b.Reason, e.Timestamp),
        _ => null,
    };

    public static readonly Type[] EventTypes =
        [typeof(StoryStarted), typeof(ArticleJoinedStory), typeof(ArticleRevisedInStory), typeof(ArticleLeftStory), typeof(StoryBreaking)];

    public bool IsBreaking => Change == "breaking";

    /// <summary>The body every per-story subscriber gets (server-sent event data, AMQP body, webhook <c>story</c>).</summary>
    public object Body(string eventType, bool replay = false) => new
    {
        Position, Event = eventType, StoryId, Story.Title, Story.Countries, Story.Topics, Story.Severity, Articles = Story.Articles,
        Story.Sources, Story.Languages, Story.FirstSeen, Story.LastUpdated, Story.SourcesInWindow, Story.GrowthPerHour,
        Breaking = IsBreaking || Story.BreakingAt is not null, Story.BreakingAt, BreakingReason = Reason, Change, Article, Replay = replay,
    };
}

public static class StoryEvents
{
    public const string Story = "story";
    public const string Breaking = "breaking";

    /// <summary>
    /// What a per-story subscriber is told about a story event: <c>story</c> the first time the story matches its
    /// countries, topics and severity floor (a new story, or one that grew into the filter), <c>breaking</c> when a
    /// story it would match is flagged breaking, else nothing — one alert per story plus the escalation.
    /// </summary>
    public static string? StoryEventFor(this AlertSubscriptionFilter filter, StoryItem item)
    {
        var now = filter.Matches(item.Story.Alert);
        if (!now) return null;
        if (item.IsBreaking) return Breaking;
        return filter.Matches(item.Previous) ? null : Story;
    }

    private static bool Matches(this AlertSubscriptionFilter filter, AlertState alert) =>
        alert.Countries.Count > 0 && alert.Severity >= filter.MinSeverity &&
        (filter.Countries.Count == 0 || alert.Countries.Any(filter.Countries.Contains)) &&
        (filter.Topics.Count == 0 || alert.Topics.Any(filter.Topics.Contains));
}

/// <summary>A story feed entry with its server-sent-event frames, serialised once however many clients read it.</summary>
public sealed class StoryFrame(StoryItem item)
{
    private byte[]? _story;
    private byte[]? _breaking;

    public StoryItem Item { get; } = item;

    public byte[] ServerSentEvent(string eventType) => eventType == StoryEvents.Breaking
        ? _breaking ??= Frame(eventType)
        : _story ??= Frame(eventType);

    private byte[] Frame(string eventType) =>
        Encoding.UTF8.GetBytes($"id: {Item.Position}\nevent: {eventType}\ndata: {JsonSerializer.Serialize(Item.Body(eventType), MonitoringJson.Options)}\n\n");
}
