using Monitoring.Classification.Matching;
using Monitoring.Classification.Text;
using Monitoring.Contracts;

namespace Monitoring.Classification.Countries;

/// <summary>
/// Turns the country terms found in an article into countries with mention counts, deciding ambiguous names by
/// context (Georgia beside Atlanta, Jordan beside Michael, Anh beside Tú) and marking as primary what the article
/// is about: the countries of the title; without any, those of the lead; without any, the one most mentioned.
/// </summary>
public static class CountryResolver
{
    private const int MaxTitlePrimaries = 4;

    public static List<CountryMention> Resolve(ArticleAnalysis analysis, CountryGazetteer gazetteer, int language)
    {
        var text = analysis.Text;
        var stats = analysis.CountryStats;
        stats.Clear();
        var titleCase = IsTitleCase(text);
        var counted = analysis.CountedSpans;
        counted.Clear();
        // One sense per article: once "Chad" is Chad Smith, a later "Chad added" is him too.
        HashSet<Term>? persons = null;
        foreach (var match in analysis.CountryMatches)
        {
            if (match.Term.Has(TermFlags.PersonName) && IsPersonName(analysis, match, titleCase)) (persons ??= []).Add(match.Term);
        }
        // A block on exactly the words of a name (Indiana over a stem of India) silences it.
        HashSet<(int, int)>? blocked = null;
        foreach (var match in analysis.CountryMatches)
        {
            if (match.Term.Kind == TermKind.CountryBlock) (blocked ??= []).Add((match.Start, match.End));
        }
        foreach (var match in analysis.CountryMatches)
        {
            var term = match.Term;
            if (term.Kind != TermKind.Country || blocked?.Contains((match.Start, match.End)) == true) continue;
            if (!term.AppliesTo(language) || !CaseFits(text, match) || persons?.Contains(term) == true ||
                IsNameSyllable(text, match) || IsContradicted(analysis, term))
            {
                continue;
            }
            var token = text.Tokens[match.FirstToken];
            foreach (var country in term.Targets)
            {
                // Two forms of one country on the same words (Rusia, Rus~) are one mention.
                if (!counted.Add((match.Start, country))) continue;
                if (!stats.TryGetValue(country, out var stat)) stat = new CountryStat(match.Start);
                stat.Mentions++;
                if (token.Has(TokenFlags.Title)) stat.Title++;
                else if (token.Has(TokenFlags.Lead)) stat.Lead++;
                stats[country] = stat;
            }
        }
        if (stats.Count == 0) return [];

        var primary = new HashSet<int>();
        var inTitle = stats.Where(s => s.Value.Title > 0).OrderByDescending(s => s.Value.Mentions).ThenBy(s => s.Value.First).ToList();
        if (inTitle.Count > 0)
        {
            foreach (var (country, _) in inTitle.Take(MaxTitlePrimaries)) primary.Add(country);
            // A country the text keeps returning to is also what the article is about.
            var strongest = inTitle.Max(s => s.Value.Mentions);
            foreach (var (country, stat) in stats)
            {
                if (stat.Mentions >= Math.Max(3, strongest) && stat.Lead > 0) primary.Add(country);
            }
        }
        else
        {
            var inLead = stats.Where(s => s.Value.Lead > 0).OrderByDescending(s => s.Value.Lead).ThenByDescending(s => s.Value.Mentions)
                .ThenBy(s => s.Value.First).ToList();
            if (inLead.Count > 0)
            {
                primary.Add(inLead[0].Key);
                if (inLead.Count > 1 && inLead[1].Value.Mentions >= inLead[0].Value.Mentions) primary.Add(inLead[1].Key);
            }
            else
            {
                var ranked = stats.OrderByDescending(s => s.Value.Mentions).ThenBy(s => s.Value.First).ToList();
                if (ranked.Count == 1 || ranked[0].Value.Mentions > ranked[1].Value.Mentions) primary.Add(ranked[0].Key);
            }
        }

        return stats
            .Select(s => new CountryMention(gazetteer.Codes[s.Key], s.Value.Mentions, primary.Contains(s.Key)))
            .OrderByDescending(c => c.Primary).ThenByDescending(c => c.Mentions).ThenBy(c => c.Code, StringComparer.Ordinal)
            .ToList();
    }

    private static bool CaseFits(TokenizedText text, in TermMatch match)
    {
        var term = match.Term;
        var tokens = text.Tokens;
        if (term.Has(TermFlags.AllCaps))
        {
            for (var t = match.FirstToken; t <= match.LastToken; t++)
            {
                if (!tokens[t].Has(TokenFlags.AllCaps)) return false;
            }
            // Inside a line written all in capitals, "US" or "AS" may be an ordinary word.
            var before = match.FirstToken > 0 && IsShoutedWord(tokens[match.FirstToken - 1]);
            var after = match.LastToken + 1 < tokens.Length && IsShoutedWord(tokens[match.LastToken + 1]);
            return !(before && after);
        }
        if (term.Has(TermFlags.Capitalized))
        {
            return tokens[match.FirstToken].Has(TokenFlags.Capitalized) || tokens[match.FirstToken].Has(TokenFlags.AllCaps);
        }
        return true;
    }

    private static bool IsShoutedWord(in Token token) => token.Has(TokenFlags.AllCaps) && token.Length >= 3 && token.Script == Script.Latin;

    /// <summary>Jordan next to another capitalised word that is neither a country nor a title (Michael Jordan, Jordan Bardella).</summary>
    private static bool IsPersonName(ArticleAnalysis analysis, in TermMatch match, bool titleCase)
    {
        if (!match.Term.Has(TermFlags.PersonName)) return false;
        var text = analysis.Text;
        var tokens = text.Tokens;
        var first = tokens[match.FirstToken];
        if (titleCase && first.Has(TokenFlags.Title)) return false;
        if (first.Has(TokenFlags.JoinsPrevious) && match.FirstToken > 0 && IsNameLike(analysis, match.FirstToken - 1)) return true;
        var next = match.LastToken + 1;
        return next < tokens.Length && tokens[next].Has(TokenFlags.JoinsPrevious) && IsNameLike(analysis, next);
    }

    private static bool IsNameLike(ArticleAnalysis analysis, int tokenIndex)
    {
        var token = analysis.Text.Tokens[tokenIndex];
        return token.Script == Script.Latin && token.Has(TokenFlags.Capitalized) && !token.Has(TokenFlags.AllCaps) &&
               !analysis.IsCountryToken(tokenIndex) && !analysis.IsHonorificToken(tokenIndex);
    }

    /// <summary>Vietnamese Anh, Đức, Mỹ followed by a capitalised syllable are a name (Anh Tú, Đức Trí, Mỹ Đình).</summary>
    private static bool IsNameSyllable(TokenizedText text, in TermMatch match)
    {
        if (!match.Term.Has(TermFlags.NameSyllable)) return false;
        var next = match.LastToken + 1;
        return next < text.TokenCount && text.Tokens[next].Has(TokenFlags.JoinsPrevious) && text.Tokens[next].Has(TokenFlags.Capitalized);
    }

    private static bool IsContradicted(ArticleAnalysis analysis, Term term)
    {
        if (term.ContraCues.Length == 0) return false;
        foreach (var cue in term.SupportCues) if (analysis.HasCue(cue)) return false;
        foreach (var cue in term.ContraCues) if (analysis.HasCue(cue)) return true;
        return false;
    }

    /// <summary>Headlines Written Like This make every word look like a name.</summary>
    private static bool IsTitleCase(TokenizedText text)
    {
        int words = 0, capitalized = 0;
        foreach (ref readonly var token in text.Tokens)
        {
            if (!token.Has(TokenFlags.Title)) break;
            if (token.Script != Script.Latin || token.Length < 4) continue;
            words++;
            if (token.Has(TokenFlags.Capitalized)) capitalized++;
        }
        return words >= 3 && capitalized * 10 >= words * 7;
    }

    public struct CountryStat(int first)
    {
        public int First = first;
        public int Mentions;
        public int Title;
        public int Lead;
    }
}
