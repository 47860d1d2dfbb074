namespace Monitoring.Alerts.Stories;

/// <summary>
/// The story engine's indexes over the compared members of open stories: LSH buckets of their MinHash bands, postings
/// of their anchors, and each anchor's document frequency (how many open stories have it). Anchors are interned as
/// small integers while some open story has them, so that scoring a candidate is array lookups, not string merges.
/// Removal is lazy (a removed member is skipped and swept out later), so closing a story costs the same however long
/// the postings of its common anchors have grown.
/// </summary>
internal sealed class StoryIndex
{
    /// <summary>
    /// A compared member as indexed: its anchor ids (in the ordinal order of the anchors) and band keys, and copies of
    /// what scoring reads of it (time, language, topics, countries, signature), so that scoring a candidate reads this
    /// entry alone. A member whose countries, topics or fingerprint change is indexed again, so the copies stay current.
    /// </summary>
    public sealed class Entry(StoryMemory story, StoryMember member, int[] same, int[] all, int numbers, ulong[] bands, Facts facts)
    {
        public StoryMemory Story { get; } = story;
        public StoryMember Member { get; } = member;

        /// <summary>Names, numbers and countries (compared within a language).</summary>
        public int[] Same { get; } = same;

        /// <summary><see cref="Same"/> and the bridge keys (compared across languages).</summary>
        public int[] All { get; } = all;

        /// <summary>How many of the anchors are numbers.</summary>
        public int Numbers { get; } = numbers;

        public ulong[] Bands { get; } = bands;
        public Facts Facts { get; } = facts;
        public bool Removed { get; set; }

        /// <summary>The last query that met this entry: each candidate is scored once per query.</summary>
        public long Visit { get; set; }
    }

    /// <summary>
    /// An article's or member's time (UTC ticks), language, alert topics, alert countries and mentioned countries (as
    /// interned ids: equal ids, equal values), and its signature (<c>null</c> when its text had no shingles).
    /// </summary>
    public sealed record Facts(long Detected, int Language, int[] Topics, int[] Countries, int[] Mentioned, uint[]? MinHash)
    {
        public static bool SharesAny(int[] these, int[] those)
        {
            foreach (var value in these)
                if (Array.IndexOf(those, value) >= 0) return true;
            return false;
        }
    }

    private readonly Dictionary<string, int> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _languages = new(StringComparer.Ordinal);

    /// <summary>The facts of a member with a fingerprint: values and languages interned (languages compared ignoring case, as ordinal upper case).</summary>
    public Facts FactsOf(StoryMember member)
    {
        var fingerprint = member.Fingerprint!;
        var language = fingerprint.Language.ToUpperInvariant();
        if (!_languages.TryGetValue(language, out var languageId)) _languages[language] = languageId = _languages.Count;
        return new Facts(member.DetectedAt.UtcTicks, languageId, Ids(member.Topics), Ids(member.Countries), Ids(member.Mentioned),
            fingerprint.Shingles == 0 ? null : (uint[])fingerprint.MinHash.Clone());

        int[] Ids(List<string> values)
        {
            var ids = new int[values.Count];
            for (var i = 0; i < ids.Length; i++)
                if (!_values.TryGetValue(values[i], out ids[i])) _values[values[i]] = ids[i] = _values.Count;
            return ids;
        }
    }

    /// <summary>
    /// What a slot keeps of an entry to rule it out without following a reference: the member's time and masks of its
    /// topics, alerted countries and mentioned countries (a member whose countries or topics change is indexed again).
    /// A candidate that passes is scored in full (the masks may collide, never miss), so these only decide how much
    /// work a query does, never what it finds.
    /// </summary>
    public readonly struct Probe(Entry entry, long detected, ulong topics, ulong countries, ulong mentioned)
    {
        public Entry Entry { get; } = entry;

        /// <summary>The member's <see cref="StoryMember.DetectedAt"/> in UTC ticks.</summary>
        public long Detected { get; } = detected;

        public ulong Topics { get; } = topics;
        public ulong Countries { get; } = countries;
        public ulong Mentioned { get; } = mentioned;
    }

    /// <summary>A bucket or posting: its probes (removed entries among them until swept) and how many are live.</summary>
    public sealed class Slot
    {
        private Probe[] _probes = new Probe[4];
        private int _count;

        public ReadOnlySpan<Probe> Probes => _probes.AsSpan(0, _count);
        public int Live { get; private set; }

        public void Add(in Probe probe)
        {
            if (_count == _probes.Length) Array.Resize(ref _probes, _count * 2);
            _probes[_count++] = probe;
            Live++;
        }

        /// <summary>Counts one entry out; sweeps removed entries once they are half of the slot. Returns the live count.</summary>
        public int Remove()
        {
            Live--;
            if (_count >= 2 * Live + 16) Sweep();
            return Live;
        }

        private void Sweep()
        {
            var kept = 0;
            for (var i = 0; i < _count; i++)
                if (!_probes[i].Entry.Removed) _probes[kept++] = _probes[i];
            Array.Clear(_probes, kept, _count - kept);
            _count = kept;
            if (_probes.Length > 64 && _count < _probes.Length / 4) Array.Resize(ref _probes, _probes.Length / 2);
        }
    }

    /// <summary>A mask of interned values (topics or countries): two lists that share a value have masks that share a bit.</summary>
    public static ulong Mask(int[] values)
    {
        var mask = 0UL;
        foreach (var value in values) mask |= 1UL << (value & 63);
        return mask;
    }

    public static Probe ProbeOf(Entry entry) => new(entry, entry.Facts.Detected, Mask(entry.Facts.Topics), Mask(entry.Facts.Countries),
        Mask(entry.Facts.Mentioned));

    private readonly Dictionary<ulong, Slot> _buckets = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = [];
    private string?[] _names = new string?[1024];
    private int[] _frequency = new int[1024];
    private double[] _prior = new double[1024];
    private Slot?[] _postings = new Slot?[1024];
    private long[] _weighed = new long[1024];
    private double[] _weight = new double[1024];
    private long[] _marked = new long[1024];
    private bool[] _markedSame = new bool[1024];
    private int _count;
    private long _query;

    public Slot? Bucket(ulong key) => _buckets.GetValueOrDefault(key);

    /// <summary>The posting of an anchor, if an open story has it.</summary>
    public Slot? Posting(string anchor) => _ids.TryGetValue(anchor, out var id) ? _postings[id] : null;

    public int Id(string anchor) => _ids.GetValueOrDefault(anchor, -1);

    public string Name(int id) => _names[id]!;

    public int Frequency(string anchor) => _ids.TryGetValue(anchor, out var id) ? _frequency[id] : 0;

    /// <summary>The id of an anchor, interned if new (with frequency 0).</summary>
    public int Intern(string anchor)
    {
        if (_ids.TryGetValue(anchor, out var id)) return id;
        if (!_free.TryPop(out id))
        {
            id = _count++;
            if (id == _names.Length) Grow();
        }
        _ids[anchor] = id;
        _names[id] = anchor;
        _frequency[id] = 0;
        _prior[id] = Prior(anchor);
        _postings[id] = null;
        _weighed[id] = 0;
        _marked[id] = 0;
        return id;
    }

    /// <summary>One more open story has the anchor.</summary>
    public void CountStory(int id) => _frequency[id]++;

    /// <summary>One open story fewer has the anchor; at none its id is free again.</summary>
    public void UncountStory(int id)
    {
        if (--_frequency[id] > 0) return;
        _ids.Remove(_names[id]!);
        _names[id] = null;
        _postings[id] = null;
        _free.Push(id);
    }

    public void AddToBucket(ulong key, in Probe probe)
    {
        if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Slot();
        bucket.Add(probe);
    }

    public void RemoveFromBucket(ulong key)
    {
        if (_buckets.TryGetValue(key, out var bucket) && bucket.Remove() == 0) _buckets.Remove(key);
    }

    public void AddToPosting(int id, in Probe probe) => (_postings[id] ??= new Slot()).Add(probe);

    public void RemoveFromPosting(int id)
    {
        if (_postings[id] is { } posting && posting.Remove() == 0) _postings[id] = null;
    }

    /// <summary>Starts a query: weights cached and anchors marked from here on belong to it.</summary>
    public long BeginQuery() => ++_query;

    /// <summary>Marks an anchor of the querying article (<paramref name="same"/>: compared within its language too).</summary>
    public void Mark(int id, bool same)
    {
        _marked[id] = _query;
        _markedSame[id] = same;
    }

    /// <summary>True when the querying article has the anchor (within its language when <paramref name="same"/>).</summary>
    public bool IsMarked(int id, bool same) => _marked[id] == _query && (!same || _markedSame[id]);

    public bool IsNumber(int id) => _names[id]![0] == '#';

    /// <summary>The anchor's weight for the current query (see <see cref="Weight(int, int)"/>), computed once per query.</summary>
    public double Weight(int id, int openStories)
    {
        if (_weighed[id] == _query) return _weight[id];
        _weighed[id] = _query;
        return _weight[id] = Weight(openStories, _frequency[id], _prior[id]);
    }

    /// <summary>
    /// How much sharing an anchor says, between 0 and 1 (an anchor of a single story): its rarity among open stories,
    /// smoothed by a prior that countries and short numbers are common whatever the data says so far.
    /// </summary>
    public static double Weight(int openStories, int frequency, double prior)
    {
        var total = openStories + StoryEngine.BackgroundStories + 1.0;
        var idf = Math.Log(total / (frequency + prior));
        return Math.Max(0, idf / Math.Log(total));
    }

    public static double Prior(string anchor) => anchor[0] switch
    {
        'c' => 30,
        '#' => anchor.Length switch { 3 => 10, 4 => 3, _ => 1 },
        _ => 2,
    };

    private void Grow()
    {
        var size = _names.Length * 2;
        Array.Resize(ref _names, size);
        Array.Resize(ref _frequency, size);
        Array.Resize(ref _prior, size);
        Array.Resize(ref _postings, size);
        Array.Resize(ref _weighed, size);
        Array.Resize(ref _weight, size);
        Array.Resize(ref _marked, size);
        Array.Resize(ref _markedSame, size);
    }
}
