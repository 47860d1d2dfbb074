using Monitoring.Classification.Text;
using Monitoring.Contracts;

namespace Monitoring.Classification.TopicScoring;

/// <summary>
/// Severity from what was found: none without a security topic; low for cooperation, trade, sanctions and the
/// like; medium for fighting, terrorism and missiles, or for three topics at once; high for deaths in fighting or
/// terrorism, ten or more dead, ICBMs and nuclear weapons, invasions; critical for a hundred dead or the use or
/// test of a nuclear weapon. Fighting between two nuclear-armed primary countries goes one step up.
/// </summary>
public sealed class SeverityAssessor(TopicLexicon lexicon)
{
    private static readonly HashSet<string> Grave = [Contracts.Topics.ArmedConflict, Contracts.Topics.Terrorism, Contracts.Topics.MissilesWmd];
    private static readonly HashSet<string> NuclearArmed = ["US", "RU", "CN", "GB", "FR", "IN", "PK", "KP", "IL"];
    private const int CasualtyDistance = 5;

    private readonly int _killed = lexicon.SeverityCueId("!killed");
    private readonly int _number = lexicon.SeverityCueId("!number");
    private readonly int _nuclear = lexicon.SeverityCueId("!nuclear");
    private readonly int _nuclearUse = lexicon.SeverityCueId("!nuclear-use");
    private readonly int _icbm = lexicon.SeverityCueId("!icbm");
    private readonly int _invasion = lexicon.SeverityCueId("!invasion");

    public Severity Assess(ArticleAnalysis analysis, IReadOnlyList<TopicScore> topics, IReadOnlyList<CountryMention> countries, int language)
    {
        if (topics.Count == 0) return Severity.None;
        var ids = topics.Select(t => t.Id).ToHashSet();
        var grave = ids.Overlaps(Grave);
        var severity = grave || topics.Count >= 3 ? Severity.Medium : Severity.Low;

        bool nuclear = false, nuclearUse = false, icbm = false, invasion = false;
        foreach (var match in analysis.SeverityMatches)
        {
            if (!match.Term.AppliesTo(language)) continue;
            var cue = match.Term.Targets[0];
            nuclear |= cue == _nuclear;
            nuclearUse |= cue == _nuclearUse;
            icbm |= cue == _icbm;
            invasion |= cue == _invasion;
        }
        var killed = Killed(analysis, language);

        if (grave && killed >= 1) severity = Max(severity, Severity.High);
        if (killed >= 10) severity = Max(severity, Severity.High);
        if (killed >= 100) severity = Severity.Critical;
        if (ids.Contains(Contracts.Topics.MissilesWmd) && (icbm || nuclear)) severity = Max(severity, Severity.High);
        if (ids.Contains(Contracts.Topics.MissilesWmd) && nuclearUse) severity = Severity.Critical;
        if (ids.Contains(Contracts.Topics.ArmedConflict) && invasion) severity = Max(severity, Severity.High);
        if (ids.Contains(Contracts.Topics.ArmedConflict) &&
            countries.Count(c => c.Primary && NuclearArmed.Contains(c.Code)) >= 2 && severity < Severity.Critical)
        {
            severity++;
        }
        return severity;
    }

    private static Severity Max(Severity a, Severity b) => a > b ? a : b;

    /// <summary>The largest number standing within a few words of a word for killed (12 killed, tewas 7, 15人死亡).</summary>
    private long Killed(ArticleAnalysis analysis, int language)
    {
        var tokens = analysis.Text.Tokens;
        long killed = 0;
        foreach (var match in analysis.SeverityMatches)
        {
            if (match.Term.Targets[0] != _killed || !match.Term.AppliesTo(language)) continue;
            var sentence = tokens[match.FirstToken].Sentence;
            var from = Math.Max(0, match.FirstToken - CasualtyDistance);
            var to = Math.Min(tokens.Length - 1, match.LastToken + CasualtyDistance);
            for (var t = from; t <= to; t++)
            {
                if (tokens[t].Sentence != sentence) continue;
                if (tokens[t].Has(TokenFlags.Number) && tokens[t].Number is < 1900 or > 2100) killed = Math.Max(killed, tokens[t].Number);
            }
            foreach (var number in analysis.SeverityMatches)
            {
                if (number.Term.Targets[0] == _number && Math.Abs(number.FirstToken - match.FirstToken) <= CasualtyDistance &&
                    tokens[number.FirstToken].Sentence == sentence)
                {
                    killed = Math.Max(killed, (long)number.Term.Weight);
                }
            }
            // A word for killed without any number still means at least one death.
            killed = Math.Max(killed, 1);
        }
        return killed;
    }
}
