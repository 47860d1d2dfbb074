using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Monitoring.Alerts.Articles;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Stories;

/// <summary>One classification event for the engine: its position in the store, and the fingerprint of the article's text when it needs one.</summary>
public sealed record StoryInput(long Position, IArticleClassification Classification, ArticleFingerprint? Fingerprint);

/// <summary>A decided story event and the stream it goes to.</summary>
public sealed record StoryDecision(string StoryId, IStoryEvent Event);

/// <summary>The memory documents the decisions of a page changed, to be written with them.</summary>
public sealed record StoryMemoryChanges(
    IReadOnlyList<StoryMemory> Stories, IReadOnlyList<ArticleStory> Articles, IReadOnlyList<StoryBaselineCell> Cells, DateTimeOffset Clock);

/// <summary>
/// Assigns classified articles to stories, one at a time in event-store order, and decides breaking. Deterministic:
/// the same memory and the same inputs give the same decisions (stable ids, sorted candidates, no clocks, no random),
/// so a restarted or replayed assigner makes the decisions the live one made.
/// <para>
/// An article that alerts is compared against the recent members of open stories that LSH over its MinHash signature
/// or its rarer anchors turn up. It needs a shared topic and a country one of them is about; then a near-duplicate text
/// in its language joins at once; otherwise it needs enough shared names, numbers and countries (weighted by rarity
/// among open stories) and no conflicting figures — with related text in its language, or within a closer time window
/// across languages. Failing all, it starts a story.
/// </para>
/// </summary>
public sealed class StoryEngine
{
    /// <summary>Members compared against per story: the first few (the original report) and the latest (where it went).</summary>
    public const int FirstMembersKept = 4;
    public const int LatestMembersKept = 12;

    /// <summary>An anchor shared by more members than this is too common to find candidates with.</summary>
    public const int MaxPostings = 200;

    private readonly StoryOptions _options;
    private readonly Dictionary<string, StoryMemory> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoryMemory> _storyOf = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, List<MemberRef>> _buckets = [];
    private readonly Dictionary<string, List<MemberRef>> _postings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _storyAnchors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly Dictionary<StoryMember, MemberKeys> _keys = new(ReferenceEqualityComparer.Instance);
    private readonly SortedSet<(DateTimeOffset LastSeen, long Sequence, string Id)> _expiry = [];
    private readonly Dictionary<string, StoryBaselineCell> _cells = new(StringComparer.Ordinal);

    // Memory read for (or closed during) the current page: stories no longer open and article memberships.
    private readonly Dictionary<string, StoryMemory> _closed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ArticleStory> _articles = new(StringComparer.Ordinal);

    private readonly Dictionary<string, StoryMemory> _changedStories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ArticleStory> _changedArticles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoryBaselineCell> _changedCells = new(StringComparer.Ordinal);

    private readonly record struct MemberRef(StoryMemory Story, StoryMember Member);

    public StoryEngine(StoryOptions options, DateTimeOffset clock, IEnumerable<StoryMemory> openStories, IEnumerable<StoryBaselineCell> cells)
    {
        _options = options;
        Clock = clock;
        foreach (var cell in cells) _cells[cell.Id] = cell;
        var horizon = clock == DateTimeOffset.MinValue ? clock : clock - options.Window;
        foreach (var story in openStories.Where(s => s.LastSeen >= horizon).OrderBy(s => s.Sequence)) Open(story);
    }

    /// <summary>The latest article time seen.</summary>
    public DateTimeOffset Clock { get; private set; }

    public int OpenStories => _open.Count;

    /// <summary>True when the engine knows the article's story without reading memory documents.</summary>
    public bool Knows(string articleId) => _storyOf.ContainsKey(articleId) || _articles.ContainsKey(articleId);

    /// <summary>Hands the engine memberships and closed stories read for the next page.</summary>
    public void Preload(IEnumerable<ArticleStory> articles, IEnumerable<StoryMemory> closedStories)
    {
        foreach (var article in articles) _articles.TryAdd(article.Id, article);
        foreach (var story in closedStories)
            if (!_open.ContainsKey(story.Id)) _closed.TryAdd(story.Id, story);
    }

    /// <summary>Stories that articles of the preloaded memberships belong to but that are neither open nor loaded.</summary>
    public IEnumerable<string> MissingStories() =>
        _articles.Values.Select(a => a.StoryId).Where(id => !_open.ContainsKey(id) && !_closed.ContainsKey(id)).Distinct();

    /// <summary>True when the classification needs the article's fingerprint: it alerts and is not already in a story.</summary>
    public bool NeedsFingerprint(IArticleClassification e) =>
        e.Alert().Countries.Count > 0 && Membership(e.ArticleId) is not { Member.Active: true };

    /// <summary>Decides what one classification event does to stories.</summary>
    public IReadOnlyList<StoryDecision> Process(StoryInput input)
    {
        var e = input.Classification;
        Advance(e.DetectedAt);
        var alert = e.Alert();
        var membership = Membership(e.ArticleId);
        if (alert.Countries.Count == 0)
        {
            return membership is { Member.Active: true } current ? Leave(current, input.Position) : [];
        }
        if (membership is { Member.Active: true } existing) return Revise(existing, input);
        var fingerprint = input.Fingerprint
                          ?? throw new InvalidOperationException($"article {e.ArticleId} at {input.Position} needs a fingerprint to be assigned");
        return Assign(input, fingerprint, membership);
    }

    /// <summary>The memory documents changed since the last call, and the clock, for the assigner to write.</summary>
    public StoryMemoryChanges TakeChanges()
    {
        foreach (var story in _changedStories.Values) story.CountedHours.Sort(StringComparer.Ordinal);
        var changes = new StoryMemoryChanges(_changedStories.Values.ToList(), _changedArticles.Values.ToList(), _changedCells.Values.ToList(), Clock);
        _changedStories.Clear();
        _changedArticles.Clear();
        _changedCells.Clear();
        _closed.Clear();
        _articles.Clear();
        return changes;
    }

    public static string StoryIdFor(string articleId, long position) =>
        "st-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(articleId + "@" + position.ToString(CultureInfo.InvariantCulture))))[..16];

    // ---- membership ----

    private (StoryMemory Story, StoryMember Member)? Membership(string articleId)
    {
        StoryMemory? story = null;
        if (_storyOf.TryGetValue(articleId, out var open)) story = open;
        else if (_articles.TryGetValue(articleId, out var known))
        {
            story = _open.GetValueOrDefault(known.StoryId) ?? _closed.GetValueOrDefault(known.StoryId);
        }
        if (story is null) return null;
        var member = story.Members.LastOrDefault(m => m.ArticleId == articleId);
        return member is null ? null : (story, member);
    }

    private IReadOnlyList<StoryDecision> Leave((StoryMemory Story, StoryMember Member) membership, long position)
    {
        var (story, member) = membership;
        var previous = Summarise(story).Alert;
        member.Active = false;
        if (member.Fingerprint is not null && _open.ContainsKey(story.Id)) Unindex(story, member);
        member.Fingerprint = null;
        MarkArticle(member.ArticleId, story.Id, active: false);
        Changed(story);
        return [new StoryDecision(story.Id, new ArticleLeftStory(story.Id, member.ArticleId, position, Summarise(story), previous))];
    }

    private IReadOnlyList<StoryDecision> Revise((StoryMemory Story, StoryMember Member) membership, StoryInput input)
    {
        var (story, member) = membership;
        var e = input.Classification;
        var previous = Summarise(story).Alert;
        var countries = e.Alert().Countries.ToList();
        var topics = e.Alert().Topics.ToList();
        var unchanged = member.Title == e.Title && member.Severity == e.Severity && member.Countries.SequenceEqual(countries) &&
                        member.Topics.SequenceEqual(topics) && member.Url == e.Url;
        member.Revision = e.Revision;
        member.Position = input.Position;
        member.Mentioned = e.Countries.Select(c => c.Code).ToList();
        if (input.Fingerprint is { } fingerprint && member.Fingerprint is not null)
        {
            // Only open stories are indexed; a closed one just keeps the new fingerprint.
            var open = _open.ContainsKey(story.Id);
            if (open) Unindex(story, member);
            member.Fingerprint = fingerprint;
            if (open) Index(story, member);
        }
        Changed(story);
        if (unchanged) return [];
        member.Title = e.Title;
        member.Url = e.Url;
        member.PublishedAt = e.PublishedAt;
        member.Countries = countries;
        member.Topics = topics;
        member.Severity = e.Severity;
        return [new StoryDecision(story.Id, new ArticleRevisedInStory(story.Id, member.ToArticle(), Summarise(story), previous))];
    }

    // ---- assignment ----

    private IReadOnlyList<StoryDecision> Assign(StoryInput input, ArticleFingerprint fingerprint, (StoryMemory Story, StoryMember Member)? former)
    {
        var e = input.Classification;
        var member = new StoryMember
        {
            ArticleId = e.ArticleId, Position = input.Position, Revision = e.Revision, Title = e.Title, Url = e.Url, Source = e.Source,
            Language = e.Language, PublishedAt = e.PublishedAt, DetectedAt = e.DetectedAt, Countries = e.Alert().Countries.ToList(),
            Mentioned = e.Countries.Select(c => c.Code).ToList(), Topics = e.Alert().Topics.ToList(), Severity = e.Severity,
            Fingerprint = fingerprint,
        };
        var best = BestMatch(member);
        var decisions = new List<StoryDecision>();
        StoryMemory story;
        if (best is { } match)
        {
            story = match.Story;
            var previous = Summarise(story).Alert;
            match.Matched.Degree++;
            if (former is { } old && old.Story == story) story.Members.Remove(old.Member);
            story.Members.Add(member);
            Grow(story, member);
            decisions.Add(new StoryDecision(story.Id, new ArticleJoinedStory(story.Id, member.ToArticle(), match.Evidence, Summarise(story), previous)));
        }
        else
        {
            story = new StoryMemory
            {
                Id = StoryIdFor(e.ArticleId, input.Position), Sequence = input.Position, FirstSeen = e.DetectedAt, LastSeen = e.DetectedAt,
            };
            story.Members.Add(member);
            _open[story.Id] = story;
            _expiry.Add((story.LastSeen, story.Sequence, story.Id));
            Grow(story, member);
            decisions.Add(new StoryDecision(story.Id, new StoryStarted(story.Id, member.ToArticle(), Summarise(story))));
        }
        if (Breaking(story, member) is { } breaking) decisions.Add(new StoryDecision(story.Id, breaking));
        return decisions;
    }

    private sealed record Match(StoryMemory Story, StoryMember Matched, double Score, StoryMatch Evidence);

    private Match? BestMatch(StoryMember article)
    {
        var fingerprint = article.Fingerprint!;
        var seen = new HashSet<StoryMember>(ReferenceEqualityComparer.Instance);
        var candidates = new List<MemberRef>();
        for (var band = 0; band < ArticleFingerprint.Bands; band++)
        {
            if (!_buckets.TryGetValue(fingerprint.BandKey(band), out var bucket)) continue;
            foreach (var candidate in bucket)
                if (seen.Add(candidate.Member)) candidates.Add(candidate);
        }
        foreach (var anchor in fingerprint.Anchors.Concat(fingerprint.Bridges))
        {
            if (!_postings.TryGetValue(anchor, out var posting) || posting.Count > MaxPostings) continue;
            foreach (var candidate in posting)
                if (seen.Add(candidate.Member)) candidates.Add(candidate);
        }
        candidates.Sort((a, b) => a.Story.Sequence != b.Story.Sequence
            ? a.Story.Sequence.CompareTo(b.Story.Sequence)
            : a.Member.Position.CompareTo(b.Member.Position));

        Match? best = null;
        var articleKeys = KeysOf(article);
        foreach (var (story, member) in candidates)
        {
            if (Score(article, articleKeys, member) is not { } evidence) continue;
            if (best is null || evidence.Score > best.Score) best = new Match(story, member, evidence.Score, evidence);
        }
        return best;
    }

    /// <summary>What an article is compared on: names, numbers and countries within its language; plus bridge words across.</summary>
    private sealed record MemberKeys(string[] Same, string[] All);

    private static MemberKeys KeysOf(StoryMember member)
    {
        var fingerprint = member.Fingerprint!;
        var countries = member.Mentioned.Select(c => "c:" + c);
        var same = fingerprint.Anchors.Concat(countries).Distinct().Order(StringComparer.Ordinal).ToArray();
        var all = same.Concat(fingerprint.Bridges).Distinct().Order(StringComparer.Ordinal).ToArray();
        return new MemberKeys(same, all);
    }

    /// <summary>How well an article matches one member, or null when it does not.</summary>
    private StoryMatch? Score(StoryMember article, MemberKeys articleKeys, StoryMember member)
    {
        var gap = (article.DetectedAt - member.DetectedAt).Duration();
        if (gap > _options.Window) return null;
        var a = article.Fingerprint!;
        var m = member.Fingerprint!;
        // Templated texts (the same wording about another place) are not one story: even near-duplicates share a topic and a country.
        var sharesTopic = article.Topics.Any(member.Topics.Contains);
        var sharesCountry = article.Countries.Any(member.Mentioned.Contains) || member.Countries.Any(article.Mentioned.Contains);
        if (!sharesTopic || !sharesCountry) return null;

        var sameLanguage = string.Equals(a.Language, m.Language, StringComparison.OrdinalIgnoreCase);
        var text = sameLanguage ? a.TextSimilarity(m) : 0;
        if (text >= _options.DuplicateSimilarity)
            return new StoryMatch("near-duplicate", member.ArticleId, Round(2 + text), Round(text), 0, []);

        var memberKeys = _keys[member];
        var (keysA, keysM) = sameLanguage ? (articleKeys.Same, memberKeys.Same) : (articleKeys.All, memberKeys.All);
        var shared = new List<string>();
        double evidence = 0;
        int numbersA = 0, numbersM = 0, numbersShared = 0;
        int i = 0, j = 0;
        while (i < keysA.Length || j < keysM.Length)
        {
            var order = i == keysA.Length ? 1 : j == keysM.Length ? -1 : string.CompareOrdinal(keysA[i], keysM[j]);
            if (order < 0)
            {
                if (keysA[i][0] == '#') numbersA++;
                i++;
            }
            else if (order > 0)
            {
                if (keysM[j][0] == '#') numbersM++;
                j++;
            }
            else
            {
                var key = keysA[i];
                shared.Add(key);
                evidence += Weight(key);
                if (key[0] == '#')
                {
                    numbersA++;
                    numbersM++;
                    numbersShared++;
                }
                i++;
                j++;
            }
        }
        // Reports of one event repeat its figures: two articles that both give figures and share none tell of different events.
        if (numbersA >= 2 && numbersM >= 2 && numbersShared == 0) return null;
        var overlap = evidence / Math.Max(1e-9, Math.Min(Weight(keysA), Weight(keysM)));
        if (sameLanguage && text >= MinRelatedText && evidence >= MinSameEventEvidence && overlap >= _options.SameEventOverlap)
            return new StoryMatch("same-event", member.ArticleId, Round(1 + text + overlap), Round(text), Round(overlap), shared);
        if (gap <= _options.CrossLanguageWindow && evidence >= MinCrossLanguageEvidence && overlap >= _options.CrossLanguageOverlap)
            return new StoryMatch(sameLanguage ? "same-event" : "cross-language", member.ArticleId, Round(1 + overlap), Round(text), Round(overlap), shared);
        return null;
    }

    /// <summary>Shared names and numbers needed, in units of one anchor unique to the two articles.</summary>
    public const double MinSameEventEvidence = 1.5;
    public const double MinCrossLanguageEvidence = 2.0;

    /// <summary>Same-language articles of one event share at least some wording beyond names and numbers.</summary>
    public const double MinRelatedText = 0.05;

    /// <summary>Pseudo-stories of background knowledge: keep rarity meaningful while few stories are open.</summary>
    public const int BackgroundStories = 100;

    private static double Round(double value) => Math.Round(value, 4);

    private double Weight(string[] keys)
    {
        double weight = 0;
        foreach (var key in keys) weight += Weight(key);
        return weight;
    }

    /// <summary>
    /// How much sharing an anchor says, between 0 and 1 (an anchor of a single story): its rarity among open stories,
    /// smoothed by a prior that countries and short numbers are common whatever the data says so far.
    /// </summary>
    private double Weight(string key)
    {
        var total = _open.Count + BackgroundStories + 1.0;
        var prior = key[0] switch
        {
            'c' => 30,
            '#' => key.Length switch { 3 => 10, 4 => 3, _ => 1 },
            _ => 2,
        };
        var idf = Math.Log(total / (_documentFrequency.GetValueOrDefault(key) + prior));
        return Math.Max(0, idf / Math.Log(total));
    }

    /// <summary>Adds a new member's time and source to its story and keeps the compared members to the first and latest few.</summary>
    private void Grow(StoryMemory story, StoryMember member)
    {
        MarkArticle(member.ArticleId, story.Id, active: true);
        _storyOf[member.ArticleId] = story;
        if (member.DetectedAt > story.LastSeen)
        {
            _expiry.Remove((story.LastSeen, story.Sequence, story.Id));
            story.LastSeen = member.DetectedAt;
            _expiry.Add((story.LastSeen, story.Sequence, story.Id));
        }
        if (member.DetectedAt < story.FirstSeen) story.FirstSeen = member.DetectedAt;
        Index(story, member);
        var active = story.Members.Where(m => m.Active).ToList();
        for (var k = FirstMembersKept; k < active.Count - LatestMembersKept; k++)
        {
            if (active[k].Fingerprint is null) continue;
            Unindex(story, active[k]);
            active[k].Fingerprint = null;
        }
        Changed(story);
    }

    // ---- breaking ----

    private StoryBreaking? Breaking(StoryMemory story, StoryMember member)
    {
        if (story.Sources.Any(s => s.Source == member.Source)) return null;
        var previous = Summarise(story).Alert;
        story.Sources.Add(new SourceSeen(member.Source, member.DetectedAt));
        var t = member.DetectedAt;
        var hour = Hour(t);
        var cells = Cells(story);
        foreach (var cell in cells) CountNewSource(story, cell, hour);
        story.CountedHours.RemoveAll(h => long.Parse(h[(h.LastIndexOf('|') + 1)..], CultureInfo.InvariantCulture) < hour - 2);

        var from = t - _options.BreakingWindow;
        var recent = story.Sources.Where(s => s.At > from && s.At <= t).ToList();
        if (recent.Count < _options.BreakingMinSources) return null;
        var (baseline, baselineCell) = cells.Select(c => (Baseline: Baseline(c, hour), Cell: c))
            .OrderByDescending(b => b.Baseline).ThenBy(b => b.Cell, StringComparer.Ordinal).First();
        var threshold = Math.Max(_options.BreakingMinSources, _options.BreakingFactor * baseline);
        if (recent.Count < threshold) return null;

        story.LastSurgeAt = story.LastSurgeAt is { } last && last > t ? last : t;
        Changed(story);
        if (story.BreakingAt is not null) return null;
        story.BreakingAt = t;
        var minutes = (int)_options.BreakingWindow.TotalMinutes;
        var names = recent.Select(s => s.Source).ToList();
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{recent.Count} new sources within {minutes} min ({string.Join(", ", names)}); threshold {threshold:0.#} = max({_options.BreakingMinSources} minimum, {_options.BreakingFactor:0.#} × baseline {baseline:0.##} new sources per story-hour for {baselineCell})");
        var reason = new BreakingReason(text, recent.Count, minutes, Round(threshold), Round(baseline), baselineCell,
            _options.BreakingMinSources, _options.BreakingFactor, names);
        return new StoryBreaking(story.Id, member.Position, t, reason, Summarise(story), previous);
    }

    private static List<string> Cells(StoryMemory story)
    {
        var active = story.Members.Where(m => m.Active).ToList();
        return active.SelectMany(m => m.Countries).Distinct()
            .SelectMany(country => active.SelectMany(m => m.Topics).Distinct().Select(topic => country + "|" + topic))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static long Hour(DateTimeOffset t) => t.ToUnixTimeSeconds() / 3600;

    private void CountNewSource(StoryMemory story, string cellId, long hour)
    {
        if (!_cells.TryGetValue(cellId, out var cell)) _cells[cellId] = cell = new StoryBaselineCell { Id = cellId };
        var key = cellId + "|" + hour.ToString(CultureInfo.InvariantCulture);
        var newStoryHour = !story.CountedHours.Contains(key);
        if (newStoryHour) story.CountedHours.Add(key);
        var index = cell.Hours.FindIndex(h => h.Hour == hour);
        if (index < 0)
        {
            cell.Hours.Add(new HourCount(hour, 1, newStoryHour ? 1 : 0));
            cell.Hours.Sort((x, y) => x.Hour.CompareTo(y.Hour));
        }
        else
        {
            var count = cell.Hours[index];
            cell.Hours[index] = count with { NewSources = count.NewSources + 1, StoryHours = count.StoryHours + (newStoryHour ? 1 : 0) };
        }
        cell.Hours.RemoveAll(h => h.Hour < hour - _options.BaselineHours - 1);
        _changedCells[cellId] = cell;
    }

    /// <summary>New sources per story-hour in the cell over the baseline hours before <paramref name="hour"/>.</summary>
    private double Baseline(string cellId, long hour)
    {
        if (!_cells.TryGetValue(cellId, out var cell)) return _options.BaselineDefault;
        long sources = 0, storyHours = 0;
        foreach (var h in cell.Hours)
        {
            if (h.Hour >= hour || h.Hour < hour - _options.BaselineHours) continue;
            sources += h.NewSources;
            storyHours += h.StoryHours;
        }
        return storyHours < _options.BaselineMinSamples ? _options.BaselineDefault : (double)sources / storyHours;
    }

    // ---- summaries ----

    /// <summary>The story as its events show it: title of its most central member, unions of countries and topics, highest severity.</summary>
    public StorySummary Summarise(StoryMemory story)
    {
        var active = story.Members.Where(m => m.Active).ToList();
        var central = active.OrderByDescending(m => m.Degree).ThenBy(m => m.Position).FirstOrDefault()
                      ?? story.Members.OrderBy(m => m.Position).First();
        var countries = active.SelectMany(m => m.Countries).Distinct().Order(StringComparer.Ordinal).ToList();
        var topics = active.SelectMany(m => m.Topics).GroupBy(t => t)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToList();
        var sources = active.Select(m => m.Source).Distinct().Order(StringComparer.Ordinal).ToList();
        var languages = active.Select(m => m.Language).Distinct().Order(StringComparer.Ordinal).ToList();
        var severity = active.Count == 0 ? Severity.None : active.Max(m => m.Severity);
        var lastUpdated = active.Count == 0 ? story.LastSeen : active.Max(m => m.DetectedAt);
        var from = lastUpdated - _options.BreakingWindow;
        var inWindow = story.Sources.Count(s => s.At > from && s.At <= lastUpdated);
        return new StorySummary(central.Title, countries, topics, severity, active.Count, sources, languages, story.FirstSeen,
            lastUpdated, inWindow, Round(inWindow / _options.BreakingWindow.TotalHours), story.BreakingAt, story.LastSurgeAt);
    }

    // ---- memory and indexes ----

    private void Advance(DateTimeOffset t)
    {
        if (t > Clock) Clock = t;
        var horizon = Clock - _options.Window;
        while (_expiry.Count > 0 && _expiry.Min.LastSeen < horizon)
        {
            var (_, _, id) = _expiry.Min;
            _expiry.Remove(_expiry.Min);
            Close(_open[id]);
        }
    }

    private void Open(StoryMemory story)
    {
        _open[story.Id] = story;
        _expiry.Add((story.LastSeen, story.Sequence, story.Id));
        foreach (var member in story.Members)
        {
            _storyOf[member.ArticleId] = story;
            if (member.Active && member.Fingerprint is not null) Index(story, member);
        }
    }

    /// <summary>A story past the window takes no new members; it stays at hand for the rest of the page.</summary>
    private void Close(StoryMemory story)
    {
        foreach (var member in story.Members)
        {
            if (member.Active && member.Fingerprint is not null) Unindex(story, member);
            _storyOf.Remove(member.ArticleId);
            _articles[member.ArticleId] = new ArticleStory { Id = member.ArticleId, StoryId = story.Id, Active = member.Active };
        }
        _open.Remove(story.Id);
        _storyAnchors.Remove(story.Id);
        _closed[story.Id] = story;
    }

    private void Index(StoryMemory story, StoryMember member)
    {
        var fingerprint = member.Fingerprint!;
        var reference = new MemberRef(story, member);
        for (var band = 0; band < ArticleFingerprint.Bands; band++)
        {
            var key = fingerprint.BandKey(band);
            if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = [];
            bucket.Add(reference);
        }
        if (!_storyAnchors.TryGetValue(story.Id, out var counts)) _storyAnchors[story.Id] = counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = _keys[member] = KeysOf(member);
        foreach (var anchor in keys.All)
        {
            if (anchor[0] != 'c')
            {
                if (!_postings.TryGetValue(anchor, out var posting)) _postings[anchor] = posting = [];
                posting.Add(reference);
            }
            var count = counts.GetValueOrDefault(anchor);
            counts[anchor] = count + 1;
            if (count == 0) _documentFrequency[anchor] = _documentFrequency.GetValueOrDefault(anchor) + 1;
        }
    }

    private void Unindex(StoryMemory story, StoryMember member)
    {
        var fingerprint = member.Fingerprint!;
        for (var band = 0; band < ArticleFingerprint.Bands; band++)
        {
            var key = fingerprint.BandKey(band);
            if (_buckets.TryGetValue(key, out var bucket) && Remove(bucket, member) == 0) _buckets.Remove(key);
        }
        var counts = _storyAnchors[story.Id];
        _keys.Remove(member, out var keys);
        foreach (var anchor in keys!.All)
        {
            if (anchor[0] != 'c' && _postings.TryGetValue(anchor, out var posting) && Remove(posting, member) == 0) _postings.Remove(anchor);
            var count = counts[anchor] - 1;
            if (count > 0)
            {
                counts[anchor] = count;
                continue;
            }
            counts.Remove(anchor);
            var frequency = _documentFrequency[anchor] - 1;
            if (frequency == 0) _documentFrequency.Remove(anchor);
            else _documentFrequency[anchor] = frequency;
        }
    }

    private static int Remove(List<MemberRef> list, StoryMember member)
    {
        var index = list.FindIndex(r => ReferenceEquals(r.Member, member));
        if (index >= 0) list.RemoveAt(index);
        return list.Count;
    }

    private void MarkArticle(string articleId, string storyId, bool active) =>
        _changedArticles[articleId] = _articles[articleId] = new ArticleStory { Id = articleId, StoryId = storyId, Active = active };

    private void Changed(StoryMemory story) => _changedStories[story.Id] = story;
}
