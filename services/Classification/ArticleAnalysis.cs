using Monitoring.Classification.Countries;
using Monitoring.Classification.Matching;
using Monitoring.Classification.Text;

namespace Monitoring.Classification;

/// <summary>
/// One article on its way through the classifier: the folded text, every term found, and the non-overlapping
/// choice of them per concern. One instance per thread, reused, so that classifying allocates little.
/// </summary>
public sealed class ArticleAnalysis
{
    [ThreadStatic] private static ArticleAnalysis? _current;

    public static ArticleAnalysis ForThisThread() => _current ??= new ArticleAnalysis();

    public TokenizedText Text { get; } = new();
    public List<TermMatch> Matches { get; } = new(256);
    public List<TermMatch> CountryMatches { get; } = new(64);
    public List<TermMatch> TopicMatches { get; } = new(64);
    public List<TermMatch> SeverityMatches { get; } = new(16);
    public Dictionary<int, CountryResolver.CountryStat> CountryStats { get; } = [];
    public HashSet<(int Start, int Country)> CountedSpans { get; } = [];

    private readonly HashSet<int> _cues = [];
    private bool[] _countryTokens = new bool[1024];
    private bool[] _honorificTokens = new bool[1024];

    private static readonly Comparison<TermMatch> LeftmostLongest = (a, b) =>
        a.Start != b.Start ? a.Start.CompareTo(b.Start) : (b.End - b.Start).CompareTo(a.End - a.Start);

    public void Load(string title, string text)
    {
        Text.Load(title, text);
        Matches.Clear();
        CountryMatches.Clear();
        TopicMatches.Clear();
        SeverityMatches.Clear();
        _cues.Clear();
        Array.Clear(_topicEnds);
        _blockEnd = 0;
        if (_countryTokens.Length < Text.TokenCount)
        {
            _countryTokens = new bool[Text.TokenCount * 2];
            _honorificTokens = new bool[Text.TokenCount * 2];
        }
        Array.Clear(_countryTokens, 0, Text.TokenCount);
        Array.Clear(_honorificTokens, 0, Text.TokenCount);
    }

    /// <summary>Sorts the matches and keeps, per concern, the longest of overlapping ones (Papua New Guinea over Guinea).</summary>
    public void SelectMatches()
    {
        Matches.Sort(LeftmostLongest);
        foreach (var match in Matches)
        {
            switch (match.Term.Kind)
            {
                case TermKind.Country or TermKind.CountryBlock:
                    Keep(CountryMatches, match);
                    break;
                case TermKind.Topic or TermKind.TopicBlock or TermKind.Context:
                    KeepTopic(match);
                    break;
                case TermKind.SeverityCue:
                    Keep(SeverityMatches, match);
                    break;
                case TermKind.Cue:
                    _cues.Add(match.Term.Targets[0]);
                    if (match.Term.Targets[0] == CountryGazetteer.HonorificCue) Mark(_honorificTokens, match);
                    break;
            }
        }
        foreach (var match in CountryMatches)
        {
            if (match.Term.Kind == TermKind.Country) Mark(_countryTokens, match);
        }
    }

    // Terms of different topics may share words (رزمایش مشترک: exercise and cooperation); within a topic the
    // longest wins, and a block (Cyber Monday) silences every topic inside it.
    private readonly int[] _topicEnds = new int[Contracts.Topics.All.Count + 1];
    private int _blockEnd;

    private void KeepTopic(TermMatch match)
    {
        if (match.Start < _blockEnd) return;
        if (match.Term.Kind == TermKind.TopicBlock)
        {
            _blockEnd = match.End;
            return;
        }
        var slot = match.Term.Kind == TermKind.Context ? _topicEnds.Length - 1 : match.Term.Targets[0];
        if (match.Start < _topicEnds[slot] && !(TopicMatches.Count > 0 && TopicMatches[^1].Start == match.Start && TopicMatches[^1].End == match.End)) return;
        _topicEnds[slot] = Math.Max(_topicEnds[slot], match.End);
        TopicMatches.Add(match);
    }

    private static void Keep(List<TermMatch> kept, TermMatch match)
    {
        if (kept.Count > 0)
        {
            var last = kept[^1];
            if (match.Start < last.End && !(match.Start == last.Start && match.End == last.End)) return;
        }
        kept.Add(match);
    }

    private static void Mark(bool[] tokens, in TermMatch match)
    {
        for (var t = match.FirstToken; t <= match.LastToken; t++) tokens[t] = true;
    }

    public bool HasCue(int cue) => _cues.Contains(cue);
    public bool IsCountryToken(int token) => _countryTokens[token];
    public bool IsHonorificToken(int token) => _honorificTokens[token];

    /// <summary>The words a match covers, as folded (lower case, vowel marks dropped).</summary>
    public string Surface(in TermMatch match) => Text.Slice(match.Start, match.End).ToString().Replace("\u200B", "");
}
