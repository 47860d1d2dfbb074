using Monitoring.Contracts;

namespace Monitoring.Alerts.Stories;

/// <summary>
/// What an open story's summary is made of — its active members' countries, topics, sources, languages, highest
/// severity, latest time and most central member — kept up to date as members join, so that summarising a story of
/// thousands of articles does not read them all again. Anything but a join (a revision, a member leaving) rebuilds it
/// from the members; the sorted lists are built again only when their sets change and are never changed once handed
/// out (summaries share them).
/// </summary>
internal sealed class StoryTally
{
    private readonly HashSet<string> _countries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _topics = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
    private readonly HashSet<string> _languages = new(StringComparer.Ordinal);
    private List<string>? _countryList;
    private List<string>? _topicList;
    private List<string>? _sourceList;
    private List<string>? _languageList;

    public int Active { get; private set; }
    public StoryMember? Central { get; private set; }
    public Severity Severity { get; private set; }
    public DateTimeOffset LastUpdated { get; private set; }

    public static StoryTally Of(StoryMemory story)
    {
        var tally = new StoryTally();
        foreach (var member in story.Members)
            if (member.Active) tally.Add(member);
        return tally;
    }

    /// <summary>A new active member (members join in list order, so maxima keep the first of equals, like a scan would).</summary>
    public void Add(StoryMember member)
    {
        if (Active == 0 || member.Severity > Severity) Severity = member.Severity;
        if (Active == 0 || member.DetectedAt > LastUpdated) LastUpdated = member.DetectedAt;
        Active++;
        foreach (var country in member.Countries)
            if (_countries.Add(country)) _countryList = null;
        foreach (var topic in member.Topics) _topics[topic] = _topics.GetValueOrDefault(topic) + 1;
        if (member.Topics.Count > 0) _topicList = null;
        if (_sources.Add(member.Source)) _sourceList = null;
        if (_languages.Add(member.Language)) _languageList = null;
        Consider(member);
    }

    /// <summary>The member's degree grew or it just joined: it may now be the most central.</summary>
    public void Consider(StoryMember member)
    {
        if (Central is null || member.Degree > Central.Degree || (member.Degree == Central.Degree && member.Position < Central.Position))
            Central = member;
    }

    public IReadOnlyList<string> Countries => _countryList ??= _countries.Order(StringComparer.Ordinal).ToList();

    /// <summary>Most frequent first, then in ordinal order.</summary>
    public IReadOnlyList<string> Topics => _topicList ??= _topics
        .OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key).ToList();

    public IReadOnlyList<string> Sources => _sourceList ??= _sources.Order(StringComparer.Ordinal).ToList();
    public IReadOnlyList<string> Languages => _languageList ??= _languages.Order(StringComparer.Ordinal).ToList();

    /// <summary>The topic keys, unordered.</summary>
    public IEnumerable<string> TopicSet => _topics.Keys;
}
