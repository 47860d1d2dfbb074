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
    IReadOnlyList<StoryMemory> Stories, IReadOnlyList<StoryMember> Members, IReadOnlyList<ArticleStory> Articles,
    IReadOnlyList<StoryBaselineCell> Cells, DateTimeOffset Clock);

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
    private readonly StoryIndex _index = new();
    private readonly Dictionary<string, IndexedStory> _indexed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoryTally> _tallies = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset LastSeen, long Sequence, string Id)> _expiry = [];
    private readonly Dictionary<string, StoryBaselineCell> _cells = new(StringComparer.Ordinal);

    // Memory read for (or closed during) the current page: stories no longer open and article memberships.
    private readonly Dictionary<string, StoryMemory> _closed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ArticleStory> _articles = new(StringComparer.Ordinal);

    private readonly Dictionary<string, StoryMemory> _changedStories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ArticleStory> _changedArticles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoryBaselineCell> _changedCells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoryMember> _changedMembers = new(StringComparer.Ordinal);

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
        if (membership is { Member.Active: true } existing) return Revise(existing, input, alert);
        var fingerprint = input.Fingerprint
                          ?? throw new InvalidOperationException($"article {e.ArticleId} at {input.Position} needs a fingerprint to be assigned");
        return Assign(input, alert, fingerprint, membership);
    }

    /// <summary>The memory documents changed since the last call, and the clock, for the assigner to write.</summary>
    public StoryMemoryChanges TakeChanges()
    {
        foreach (var story in _changedStories.Values) story.CountedHours.Sort(StringComparer.Ordinal);
        var changes = new StoryMemoryChanges(_changedStories.Values.ToList(), _changedMembers.Values.ToList(), _changedArticles.Values.ToList(),
            _changedCells.Values.ToList(), Clock);
        _changedStories.Clear();
        _changedMembers.Clear();
        _changedArticles.Clear();
        _changedCells.Clear();
        _closed.Clear();
        _articles.Clear();
        return changes;
    }

    public static string StoryIdFor(string articleId, long position)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(articleId + "@" + position.ToString(CultureInfo.InvariantCulture)), hash);
        return "st-" + Convert.ToHexStringLower(hash[..8]);
    }

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
        for (var i = story.Members.Count - 1; i >= 0; i--)
            if (story.Members[i].ArticleId == articleId) return (story, story.Members[i]);
        return null;
    }

    private IReadOnlyList<StoryDecision> Leave((StoryMemory Story, StoryMember Member) membership, long position)
    {
        var (story, member) = membership;
        var previous = Summarise(story).Alert;
        member.Active = false;
        if (member.Fingerprint is not null && _open.ContainsKey(story.Id)) Unindex(story, member);
        member.Fingerprint = null;
        MemberChanged(member);
        MarkArticle(member.ArticleId, story.Id, active: false);
        Changed(story, rebuild: true);
        return [new StoryDecision(story.Id, new ArticleLeftStory(story.Id, member.ArticleId, position, Summarise(story), previous))];
    }

    private IReadOnlyList<StoryDecision> Revise((StoryMemory Story, StoryMember Member) membership, StoryInput input, AlertState alert)
    {
        var (story, member) = membership;
        var e = input.Classification;
        var previous = Summarise(story).Alert;
        var countries = alert.Countries.ToList();
        var topics = alert.Topics.ToList();
        var unchanged = member.Title == e.Title && member.Severity == e.Severity && member.Countries.SequenceEqual(countries) &&
                        member.Topics.SequenceEqual(topics) && member.Url == e.Url;
        member.Revision = e.Revision;
        member.Position = input.Position;
        member.Mentioned = e.Countries.Select(c => c.Code).ToList();
        if (!unchanged)
        {
            member.Title = e.Title;
            member.Url = e.Url;
            member.PublishedAt = e.PublishedAt;
            member.Countries = countries;
            member.Topics = topics;
            member.Severity = e.Severity;
        }
        if (member.Fingerprint is not null)
        {
            // Only open stories are indexed (a closed one just keeps the new fingerprint). An indexed member is indexed
            // again even without a new fingerprint: its keys and probes follow its countries and topics, as they would
            // after a restart (which indexes every member afresh).
            var open = _open.ContainsKey(story.Id);
            if (open) Unindex(story, member);
            if (input.Fingerprint is { } fingerprint) member.Fingerprint = fingerprint;
            if (open) Index(story, member, KeysOf(member), _index.FactsOf(member));
        }
        MemberChanged(member);
        Changed(story, rebuild: true);
        if (unchanged) return [];
        return [new StoryDecision(story.Id, new ArticleRevisedInStory(story.Id, member.ToArticle(), Summarise(story), previous))];
    }

    // ---- assignment ----

    private IReadOnlyList<StoryDecision> Assign(StoryInput input, AlertState alert, ArticleFingerprint fingerprint,
        (StoryMemory Story, StoryMember Member)? former)
    {
        var e = input.Classification;
        var member = new StoryMember
        {
            ArticleId = e.ArticleId, Position = input.Position, Revision = e.Revision, Title = e.Title, Url = e.Url, Source = e.Source,
            Language = e.Language, PublishedAt = e.PublishedAt, DetectedAt = e.DetectedAt, Countries = alert.Countries.ToList(),
            Mentioned = e.Countries.Select(c => c.Code).ToList(), Topics = alert.Topics.ToList(), Severity = e.Severity,
            Fingerprint = fingerprint, Order = input.Position,
        };
        var keys = KeysOf(member);
        var facts = _index.FactsOf(member);
        var best = BestMatch(member, keys, facts);
        var decisions = new List<StoryDecision>(2);
        StoryMemory story;
        if (best is { } match)
        {
            story = match.Story;
            var tally = Tally(story);
            var previous = Summarise(story).Alert;
            match.Matched.Degree++;
            MemberChanged(match.Matched);
            tally.Consider(match.Matched);
            if (former is { } old && old.Story == story)
            {
                story.Members.Remove(old.Member);
                _tallies.Remove(story.Id);
                tally = Tally(story);
            }
            story.Members.Add(member);
            tally.Add(member);
            Grow(story, member, keys, facts);
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
            Tally(story);
            Grow(story, member, keys, facts);
            decisions.Add(new StoryDecision(story.Id, new StoryStarted(story.Id, member.ToArticle(), Summarise(story))));
        }
        if (Breaking(story, member) is { } breaking) decisions.Add(new StoryDecision(story.Id, breaking));
        return decisions;
    }

    private sealed record Match(StoryMemory Story, StoryMember Matched, double Score, StoryMatch Evidence);

    /// <summary>
    /// The best-scoring member among those the article's LSH buckets and rarer anchors turn up; of equal scores, the one
    /// of the earliest story, then the earliest member (the order decisions were made in, whatever order the indexes hold).
    /// </summary>
    private Match? BestMatch(StoryMember article, MemberKeys keys, StoryIndex.Facts facts)
    {
        var fingerprint = article.Fingerprint!;
        var query = _index.BeginQuery();
        foreach (var key in keys.All)
        {
            var id = _index.Id(key);
            if (id >= 0) _index.Mark(id, same: Array.BinarySearch(keys.Same, key, StringComparer.Ordinal) >= 0);
        }
        var weights = (Same: Weight(keys.Same), All: Weight(keys.All));
        var numbers = CountNumbers(keys.Same);
        // Score's first tests, on the probes: within the window, a shared topic, a country one of them is about.
        var detected = facts.Detected;
        var window = _options.Window.Ticks;
        var topics = StoryIndex.Mask(facts.Topics);
        var countries = StoryIndex.Mask(facts.Countries);
        var mentioned = StoryIndex.Mask(facts.Mentioned);

        Match? best = null;
        for (var band = 0; band < ArticleFingerprint.Bands; band++)
        {
            if (_index.Bucket(fingerprint.BandKey(band)) is { } bucket) Consider(bucket);
        }
        foreach (var anchor in fingerprint.Anchors)
        {
            if (_index.Posting(anchor) is { Live: <= MaxPostings } posting) Consider(posting);
        }
        foreach (var anchor in fingerprint.Bridges)
        {
            if (_index.Posting(anchor) is { Live: <= MaxPostings } posting) Consider(posting);
        }
        return best;

        void Consider(StoryIndex.Slot slot)
        {
            foreach (ref readonly var probe in slot.Probes)
            {
                var gap = detected - probe.Detected;
                if (gap > window || gap < -window || (probe.Topics & topics) == 0 ||
                    ((probe.Mentioned & countries) == 0 && (probe.Countries & mentioned) == 0)) continue;
                var candidate = probe.Entry;
                if (candidate.Removed || candidate.Visit == query) continue;
                candidate.Visit = query;
                if (Score(facts, weights, numbers, candidate) is not { } evidence) continue;
                if (best is null || evidence.Score > best.Score ||
                    (evidence.Score == best.Score && (candidate.Story.Sequence, candidate.Member.Position).CompareTo((best.Story.Sequence, best.Matched.Position)) < 0))
                {
                    best = new Match(candidate.Story, candidate.Member, evidence.Score, evidence);
                }
            }
        }
    }

    /// <summary>What an article is compared on: names, numbers and countries within its language; plus bridge words across.</summary>
    private sealed record MemberKeys(string[] Same, string[] All);

    private static MemberKeys KeysOf(StoryMember member)
    {
        var fingerprint = member.Fingerprint!;
        var countries = new string[member.Mentioned.Count];
        for (var i = 0; i < countries.Length; i++) countries[i] = CountryKey(member.Mentioned[i]);
        if (countries.Length > 1) Array.Sort(countries, StringComparer.Ordinal);
        var same = Union(fingerprint.Anchors, countries);
        return new MemberKeys(same, fingerprint.Bridges.Length == 0 ? same : Union(same, fingerprint.Bridges));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> CountryKeys = new(StringComparer.Ordinal);

    private static string CountryKey(string country) => CountryKeys.GetOrAdd(country, static c => "c:" + c);

    /// <summary>The distinct keys of both, in ordinal order: a merge when both are in that order (as fingerprints and sorted countries are).</summary>
    private static string[] Union(string[] a, string[] b)
    {
        if (!Ascending(a) || !Ascending(b)) return a.Concat(b).Distinct().Order(StringComparer.Ordinal).ToArray();
        var merged = new string[a.Length + b.Length];
        int i = 0, j = 0, n = 0;
        while (i < a.Length || j < b.Length)
        {
            var order = i == a.Length ? 1 : j == b.Length ? -1 : string.CompareOrdinal(a[i], b[j]);
            if (order <= 0)
            {
                merged[n++] = a[i++];
                if (order == 0) j++;
            }
            else merged[n++] = b[j++];
        }
        // Equal neighbours (duplicates within an input) once only.
        var distinct = 0;
        for (var k = 0; k < n; k++)
            if (distinct == 0 || !string.Equals(merged[distinct - 1], merged[k], StringComparison.Ordinal)) merged[distinct++] = merged[k];
        if (distinct < merged.Length) Array.Resize(ref merged, distinct);
        return merged;

        static bool Ascending(string[] keys)
        {
            for (var k = 1; k < keys.Length; k++)
                if (string.CompareOrdinal(keys[k - 1], keys[k]) > 0) return false;
            return true;
        }
    }

    private static int CountNumbers(string[] keys)
    {
        var numbers = 0;
        foreach (var key in keys)
            if (key[0] == '#') numbers++;
        return numbers;
    }

    /// <summary>
    /// How well an article matches one member, or null when it does not. The article's anchors are marked in the index
    /// for the query; sums run over the member's anchors in their ordinal order.
    /// </summary>
    private StoryMatch? Score(StoryIndex.Facts a, (double Same, double All) articleWeights, int articleNumbers, StoryIndex.Entry candidate)
    {
        var m = candidate.Facts;
        var gap = Math.Abs(a.Detected - m.Detected);
        if (gap > _options.Window.Ticks) return null;
        // Templated texts (the same wording about another place) are not one story: even near-duplicates share a topic and a country.
        if (!StoryIndex.Facts.SharesAny(a.Topics, m.Topics)) return null;
        if (!StoryIndex.Facts.SharesAny(a.Countries, m.Mentioned) && !StoryIndex.Facts.SharesAny(m.Countries, a.Mentioned)) return null;

        var sameLanguage = a.Language == m.Language;
        var text = sameLanguage && a.MinHash is not null && m.MinHash is not null
            ? ArticleFingerprint.Agreement(a.MinHash, m.MinHash) / (double)ArticleFingerprint.Length
            : 0;
        var member = candidate.Member;
        if (text >= _options.DuplicateSimilarity)
            return new StoryMatch("near-duplicate", member.ArticleId, Round(2 + text), Round(text), 0, []);

        var keysM = sameLanguage ? candidate.Same : candidate.All;
        var open = _open.Count;
        double evidence = 0, weightM = 0;
        var numbersShared = 0;
        foreach (var id in keysM)
        {
            var weight = _index.Weight(id, open);
            weightM += weight;
            if (!_index.IsMarked(id, sameLanguage)) continue;
            evidence += weight;
            if (_index.IsNumber(id)) numbersShared++;
        }
        // Reports of one event repeat its figures: two articles that both give figures and share none tell of different events.
        if (articleNumbers >= 2 && candidate.Numbers >= 2 && numbersShared == 0) return null;
        var overlap = evidence / Math.Max(1e-9, Math.Min(sameLanguage ? articleWeights.Same : articleWeights.All, weightM));
        if (sameLanguage && text >= MinRelatedText && evidence >= MinSameEventEvidence && overlap >= _options.SameEventOverlap)
            return new StoryMatch("same-event", member.ArticleId, Round(1 + text + overlap), Round(text), Round(overlap), Shared(keysM, sameLanguage));
        if (gap <= _options.CrossLanguageWindow.Ticks && evidence >= MinCrossLanguageEvidence && overlap >= _options.CrossLanguageOverlap)
            return new StoryMatch(sameLanguage ? "same-event" : "cross-language", member.ArticleId, Round(1 + overlap), Round(text), Round(overlap),
                Shared(keysM, sameLanguage));
        return null;
    }

    private List<string> Shared(int[] keys, bool sameLanguage)
    {
        var shared = new List<string>();
        foreach (var id in keys)
            if (_index.IsMarked(id, sameLanguage)) shared.Add(_index.Name(id));
        return shared;
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
        foreach (var key in keys) weight += StoryIndex.Weight(_open.Count, _index.Frequency(key), StoryIndex.Prior(key));
        return weight;
    }

    /// <summary>Adds a new member's time and source to its story and keeps the compared members to the first and latest few.</summary>
    private void Grow(StoryMemory story, StoryMember member, MemberKeys keys, StoryIndex.Facts facts)
    {
        member.JoinStory(story.Id);
        MemberChanged(member);
        MarkArticle(member.ArticleId, story.Id, active: true);
        _storyOf[member.ArticleId] = story;
        if (member.DetectedAt > story.LastSeen)
        {
            _expiry.Remove((story.LastSeen, story.Sequence, story.Id));
            story.LastSeen = member.DetectedAt;
            _expiry.Add((story.LastSeen, story.Sequence, story.Id));
        }
        if (member.DetectedAt < story.FirstSeen) story.FirstSeen = member.DetectedAt;
        Index(story, member, keys, facts);
        var trimmedBelow = Tally(story).Active - LatestMembersKept;
        var k = 0;
        foreach (var active in story.Members)
        {
            if (k >= trimmedBelow) break;
            if (!active.Active) continue;
            if (k++ < FirstMembersKept || active.Fingerprint is null) continue;
            Unindex(story, active);
            active.Fingerprint = null;
            MemberChanged(active);
        }
        Changed(story, rebuild: false);
    }

    // ---- breaking ----

    private StoryBreaking? Breaking(StoryMemory story, StoryMember member)
    {
        foreach (var seen in story.Sources)
            if (seen.Source == member.Source) return null;
        var previous = Summarise(story).Alert;
        story.Sources.Add(new SourceSeen(member.Source, member.DetectedAt));
        var t = member.DetectedAt;
        var hour = Hour(t);
        var cells = Cells(story);
        foreach (var cell in cells) CountNewSource(story, cell, hour);
        story.CountedHours.RemoveAll(h => long.Parse(h.AsSpan(h.LastIndexOf('|') + 1), CultureInfo.InvariantCulture) < hour - 2);

        var from = t - _options.BreakingWindow;
        var recent = story.Sources.Where(s => s.At > from && s.At <= t).ToList();
        if (recent.Count < _options.BreakingMinSources) return null;
        var (baseline, baselineCell) = cells.Select(c => (Baseline: Baseline(c, hour), Cell: c))
            .OrderByDescending(b => b.Baseline).ThenBy(b => b.Cell, StringComparer.Ordinal).First();
        var threshold = Math.Max(_options.BreakingMinSources, _options.BreakingFactor * baseline);
        if (recent.Count < threshold) return null;

        story.LastSurgeAt = story.LastSurgeAt is { } last && last > t ? last : t;
        Changed(story, rebuild: false);
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

    /// <summary>The story's <c>{COUNTRY}|{topic}</c> baseline cells: every country of its active members with every topic of them.</summary>
    private List<string> Cells(StoryMemory story)
    {
        var tally = Tally(story);
        var cells = new List<string>();
        foreach (var country in tally.Countries)
        foreach (var topic in tally.TopicSet)
            cells.Add(country + "|" + topic);
        cells.Sort(StringComparer.Ordinal);
        return cells;
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
        var tally = _open.ContainsKey(story.Id) ? Tally(story) : StoryTally.Of(story);
        var central = tally.Central ?? story.Members.MinBy(m => m.Position)!;
        var lastUpdated = tally.Active == 0 ? story.LastSeen : tally.LastUpdated;
        var from = lastUpdated - _options.BreakingWindow;
        var inWindow = 0;
        foreach (var source in story.Sources)
            if (source.At > from && source.At <= lastUpdated) inWindow++;
        return new StorySummary(central.Title, tally.Countries, tally.Topics, tally.Active == 0 ? Severity.None : tally.Severity, tally.Active,
            tally.Sources, tally.Languages, story.FirstSeen, lastUpdated, inWindow, Round(inWindow / _options.BreakingWindow.TotalHours),
            story.BreakingAt, story.LastSurgeAt);
    }

    /// <summary>The open story's tally, built from its members when it has none (newly opened, or changed other than by a join).</summary>
    private StoryTally Tally(StoryMemory story)
    {
        if (!_tallies.TryGetValue(story.Id, out var tally)) _tallies[story.Id] = tally = StoryTally.Of(story);
        return tally;
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
            if (member.Active && member.Fingerprint is not null) Index(story, member, KeysOf(member), _index.FactsOf(member));
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
        _indexed.Remove(story.Id);
        _tallies.Remove(story.Id);
        _closed[story.Id] = story;
    }

    private void Index(StoryMemory story, StoryMember member, MemberKeys keys, StoryIndex.Facts facts)
    {
        var fingerprint = member.Fingerprint!;
        if (!_indexed.TryGetValue(story.Id, out var indexed)) _indexed[story.Id] = indexed = new IndexedStory();
        var counts = indexed.Anchors;
        var all = new int[keys.All.Length];
        for (var i = 0; i < all.Length; i++)
        {
            var id = all[i] = _index.Intern(keys.All[i]);
            var count = counts.GetValueOrDefault(id);
            counts[id] = count + 1;
            if (count == 0) _index.CountStory(id);
        }
        var same = new int[keys.Same.Length];
        for (var i = 0; i < same.Length; i++) same[i] = _index.Id(keys.Same[i]);
        var bands = new ulong[ArticleFingerprint.Bands];
        for (var band = 0; band < bands.Length; band++) bands[band] = fingerprint.BandKey(band);
        var entry = new StoryIndex.Entry(story, member, same, all, CountNumbers(keys.Same), bands, facts);
        indexed.Entries.Add(entry);
        var probe = StoryIndex.ProbeOf(entry);
        foreach (var key in bands) _index.AddToBucket(key, probe);
        for (var i = 0; i < all.Length; i++)
            if (keys.All[i][0] != 'c') _index.AddToPosting(all[i], probe);
    }

    private void Unindex(StoryMemory story, StoryMember member)
    {
        var indexed = _indexed[story.Id];
        var at = indexed.Entries.FindIndex(e => ReferenceEquals(e.Member, member));
        var entry = indexed.Entries[at];
        indexed.Entries.RemoveAt(at);
        entry.Removed = true;
        foreach (var key in entry.Bands) _index.RemoveFromBucket(key);
        var counts = indexed.Anchors;
        foreach (var id in entry.All)
        {
            if (_index.Name(id)[0] != 'c') _index.RemoveFromPosting(id);
            var count = counts[id] - 1;
            if (count > 0)
            {
                counts[id] = count;
                continue;
            }
            counts.Remove(id);
            _index.UncountStory(id);
        }
    }

    /// <summary>An open story's indexed members, and how many of them have each anchor (by id).</summary>
    private sealed class IndexedStory
    {
        public Dictionary<int, int> Anchors { get; } = [];
        public List<StoryIndex.Entry> Entries { get; } = [];
    }

    /// <summary>Records that a member changed (its document is written with the page).</summary>
    private void MemberChanged(StoryMember member) => _changedMembers[member.Id] = member;

    private void MarkArticle(string articleId, string storyId, bool active) =>
        _changedArticles[articleId] = _articles[articleId] = new ArticleStory { Id = articleId, StoryId = storyId, Active = active };

    /// <summary>Records that the story's memory changed; <paramref name="rebuild"/> when other than by a join, so its tally is rebuilt.</summary>
    private void Changed(StoryMemory story, bool rebuild)
    {
        _changedStories[story.Id] = story;
        if (rebuild) _tallies.Remove(story.Id);
    }
}
