using System.Globalization;
using Monitoring.Classification.Language;
using Monitoring.Classification.Matching;
using Monitoring.Classification.Text;
using Monitoring.Contracts;

namespace Monitoring.Classification.TopicScoring;

/// <summary>
/// The eleven topics of the contract with weighted terms per language (topics.tsv), phrases that contain a term
/// but mean something else (Cyber Monday, battle of the bands: id <c>-</c>), words of non-security domains that
/// raise the bar for weak terms (<c>~sport</c>, <c>~business</c>, <c>~culture</c>), and the words severity reads
/// (<c>!killed</c>, <c>!nuclear</c>, ...). A topic is raised when its terms add up to <see cref="Threshold"/> and
/// at least one of them is specific (weight ≥ <see cref="SpecificWeight"/>); in a sport or business context the
/// bar rises with the context's weight.
/// </summary>
public sealed class TopicLexicon
{
    public const double Threshold = 2.0;
    public const double SpecificWeight = 1.5;
    public const double StrongWeight = 2.5;
    private const double TitleBoost = 1.5;
    private const int MaxEvidence = 8;

    /// <summary>Words for "joint": two countries' joint exercise or patrol is defence cooperation too.</summary>
    private const string JointContext = "~joint";

    private readonly Dictionary<string, int> _severityCues = new(StringComparer.Ordinal);

    public int TermCount { get; private set; }
    public int SeverityCueId(string name) => _severityCues.TryGetValue(name, out var id) ? id : -1;

    public TopicLexicon(ClassifierData data, TermIndex index)
    {
        foreach (var (line, f) in data.Rows("topics.tsv"))
        {
            if (f.Length != 4) throw ClassifierData.Invalid("topics.tsv", line, "expected id, languages, weight, term");
            if (!double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
                throw ClassifierData.Invalid("topics.tsv", line, $"weight '{f[2]}' is not a number");
            ulong languages;
            try { languages = Languages.MaskOf(f[1]); }
            catch (ArgumentException e) { throw ClassifierData.Invalid("topics.tsv", line, e.Message); }
            var id = f[0];
            Term term;
            if (id == "-") term = new Term { Kind = TermKind.TopicBlock, Languages = languages, Phrase = f[3] };
            else if (id.StartsWith('~'))
            {
                term = new Term { Kind = TermKind.Context, Targets = [id == JointContext ? 1 : 0], Weight = weight, Languages = languages, Phrase = f[3] };
            }
            else if (id.StartsWith('!'))
            {
                if (!_severityCues.TryGetValue(id, out var cue)) _severityCues[id] = cue = _severityCues.Count;
                term = new Term { Kind = TermKind.SeverityCue, Targets = [cue], Weight = weight, Languages = languages, Phrase = f[3] };
            }
            else
            {
                var topic = Contracts.Topics.All.ToList().IndexOf(id);
                if (topic < 0) throw ClassifierData.Invalid("topics.tsv", line, $"unknown topic id '{id}'");
                term = new Term { Kind = TermKind.Topic, Targets = [topic], Weight = weight, Languages = languages, Phrase = f[3] };
            }
            index.Add(FoldPattern(f[3]), term);
            TermCount++;
        }
    }

    private static string FoldPattern(string phrase) => string.Join(' ', phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word =>
    {
        var marker = word.EndsWith('*') ? "*" : word.EndsWith('~') ? "~" : "";
        var tokens = TokenizedText.Of(word.TrimEnd('*', '~'));
        return string.Join(' ', Enumerable.Range(0, tokens.TokenCount).Select(t => tokens.TextOf(tokens.Tokens[t]).ToString())) + marker;
    }));

    public List<TopicScore> Score(ArticleAnalysis analysis, int language, int primaryCountries)
    {
        var count = Contracts.Topics.All.Count;
        Span<double> scores = stackalloc double[count];
        Span<double> strongest = stackalloc double[count];
        var seen = new Dictionary<Term, (int Count, bool Title, int Order)>();
        var context = 0.0;
        var order = 0;
        foreach (var match in analysis.TopicMatches)
        {
            var term = match.Term;
            if (term.Kind is TermKind.TopicBlock || !term.AppliesTo(language)) continue;
            var title = analysis.Text.Tokens[match.FirstToken].Has(TokenFlags.Title);
            seen[term] = seen.TryGetValue(term, out var s) ? (s.Count + 1, s.Title || title, s.Order) : (1, title, order++);
        }
        var joint = new List<string>();
        Span<int> distinct = stackalloc int[count];
        foreach (var (term, (n, title, _)) in seen)
        {
            var repeated = term.Weight * (1 + 0.5 * Math.Min(n - 1, 2));
            if (term.Kind == TermKind.Context && term.Targets[0] == 1) { joint.Add(term.Phrase); continue; }
            if (term.Kind == TermKind.Context) { context += repeated; continue; }
            var topic = term.Targets[0];
            scores[topic] += repeated * (title ? TitleBoost : 1);
            strongest[topic] = Math.Max(strongest[topic], term.Weight);
            distinct[topic]++;
        }
        var threshold = context >= Threshold ? Threshold + Math.Min(context, 4) : Threshold;
        var result = new List<TopicScore>();
        for (var topic = 0; topic < count; topic++)
        {
            if (scores[topic] < threshold || strongest[topic] < SpecificWeight) continue;
            // One mid-weight word alone (naval, drills) is not enough, even when the title makes it count more.
            if (distinct[topic] == 1 && strongest[topic] < StrongWeight) continue;
            var evidence = new List<string>();
            foreach (var match in analysis.TopicMatches)
            {
                if (match.Term.Kind != TermKind.Topic || match.Term.Targets[0] != topic || !match.Term.AppliesTo(language)) continue;
                var surface = analysis.Surface(match);
                if (!evidence.Contains(surface)) evidence.Add(surface);
                if (evidence.Count == MaxEvidence) break;
            }
            result.Add(new TopicScore(Contracts.Topics.All[topic], Math.Round(scores[topic], 2), evidence));
        }
        var cooperation = Contracts.Topics.DefenseCooperation;
        if (joint.Count > 0 && primaryCountries >= 2 && result.All(t => t.Id != cooperation) &&
            result.Any(t => t.Id is Contracts.Topics.MilitaryActivity or Contracts.Topics.MaritimeSecurity))
        {
            var activity = result.Where(t => t.Id is Contracts.Topics.MilitaryActivity or Contracts.Topics.MaritimeSecurity).Max(t => t.Score);
            result.Add(new TopicScore(cooperation, Math.Round(Math.Max(Threshold, activity / 2), 2), joint));
        }
        result.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Id, b.Id));
        return result;
    }
}
