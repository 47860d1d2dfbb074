using Monitoring.Classification.Text;

namespace Monitoring.Classification.Matching;

/// <summary>
/// One dictionary for every phrase the classifier looks for — country forms, topic terms, cues — matched in one
/// pass over an article's tokens. Spaced scripts go through a trie of tokens, where a phrase token may be exact,
/// a prefix ("ракет*": any ending) or a stem with a short inflectional ending ("росси~": России, Россией).
/// Arabic and Hebrew words are also tried without their clitics (والصين, בישראל). Han, kana, Thai and Hangul
/// runs are scanned character by character against a character trie (日本の, 북한이, ญี่ปุ่น).
/// </summary>
public sealed class TermIndex
{
    /// <summary>Longest inflectional ending a "~" stem accepts (Россией, Stanów, Японией).</summary>
    public const int InflectionLength = 3;

    private readonly PhraseNode _root = new();
    private readonly DenseNode _dense = new();

    public int PhraseCount { get; private set; }

    /// <summary>
    /// Adds a phrase in data syntax: words separated by spaces, a word ending in <c>*</c> matches any word it
    /// begins, one ending in <c>~</c> the same plus up to <see cref="InflectionLength"/> letters.
    /// </summary>
    public void Add(string phrase, Term term)
    {
        var parts = new List<(string Text, int MaxRemainder)>();
        var dense = new List<string>();
        foreach (var raw in phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = raw;
            var marker = 0;
            if (word.EndsWith('*')) { marker = int.MaxValue; word = word[..^1]; }
            else if (word.EndsWith('~')) { marker = InflectionLength; word = word[..^1]; }
            var tokens = TokenizedText.Of(word);
            for (var t = 0; t < tokens.TokenCount; t++)
            {
                var token = tokens.TokenAt(t);
                var text = tokens.TextOf(token).ToString().Replace("\u200B", "");
                if (Scripts.IsDense(token.Script)) dense.Add(text);
                parts.Add((text, t == tokens.TokenCount - 1 ? marker : 0));
            }
        }
        if (parts.Count == 0) return;
        PhraseCount++;
        if (dense.Count == parts.Count && dense.Count == 1)
        {
            AddDense(dense[0], term);
            return;
        }
        var node = _root;
        foreach (var (text, maxRemainder) in parts)
        {
            // Korean particles stick to the word they follow: Hangul words in a phrase accept any ending.
            var remainder = maxRemainder == 0 && dense.Contains(text) ? int.MaxValue : maxRemainder;
            node = remainder == 0 ? node.ExactChild(text) : node.PrefixChild(text, remainder);
        }
        (node.Terms ??= []).Add(term);
    }

    private void AddDense(string text, Term term)
    {
        var node = _dense;
        foreach (var c in text) node = node.Child(c);
        (node.Terms ??= []).Add(term);
    }

    /// <summary>Appends every phrase found in <paramref name="text"/>, overlapping ones included.</summary>
    public void Match(TokenizedText text, List<TermMatch> output)
    {
        var tokens = text.Tokens;
        for (var i = 0; i < tokens.Length; i++)
        {
            ref readonly var token = ref tokens[i];
            if (Scripts.IsDense(token.Script))
            {
                MatchDense(text, i, output);
                continue;
            }
            if (token.Has(TokenFlags.Number)) continue;
            var word = text.TextOf(token);
            FollowToken(text, _root, word, i, i, output);
            if (token.Script is Script.Arabic or Script.Hebrew) FollowWithoutClitics(text, word, token.Script, i, output);
        }
    }

    /// <summary>
    /// و ف ب ل ك (Arabic) or ו ה ב ל מ ש כ (Hebrew) written onto the word, and the Arabic article after them:
    /// والصين → الصين and صين, للصين → صين, בישראל → ישראל.
    /// </summary>
    private void FollowWithoutClitics(TokenizedText text, ReadOnlySpan<char> word, Script script, int i, List<TermMatch> output)
    {
        var arabic = script == Script.Arabic;
        var clitics = arabic ? "وفبلك" : "והבלמשכ";
        var minimum = arabic ? 3 : 2;
        for (var k = 0; k <= 3 && word.Length - k >= minimum; k++)
        {
            if (k > 0)
            {
                if (!clitics.Contains(word[k - 1])) break;
                FollowToken(text, _root, word[k..], i, i, output);
            }
            if (!arabic) continue;
            var rest = word[k..];
            if (rest.StartsWith("ال") && rest.Length - 2 >= minimum) FollowToken(text, _root, rest[2..], i, i, output);
            else if (k > 0 && word[k - 1] == 'ل' && rest.Length > minimum && rest[0] == 'ل') FollowToken(text, _root, rest[1..], i, i, output);
        }
    }

    private void FollowToken(TokenizedText text, PhraseNode node, ReadOnlySpan<char> word, int first, int current, List<TermMatch> output)
    {
        if (word.IndexOf('\u200B') >= 0)
        {
            Span<char> clean = stackalloc char[word.Length];
            var n = 0;
            foreach (var c in word) if (c != '\u200B') clean[n++] = c;
            FollowCleanToken(text, node, clean[..n], first, current, output);
            return;
        }
        FollowCleanToken(text, node, word, first, current, output);
    }

    private void FollowCleanToken(TokenizedText text, PhraseNode node, ReadOnlySpan<char> word, int first, int current, List<TermMatch> output)
    {
        if (node.Exact is not null && node.ExactLookup.TryGetValue(word, out var exact)) Arrive(text, exact, first, current, output);
        var prefix = node.Prefixes;
        for (var k = 0; prefix is not null; k++)
        {
            if (prefix.Ends is not null)
            {
                foreach (var (next, maxRemainder) in prefix.Ends)
                {
                    if (word.Length - k <= maxRemainder)
                    {
                        Arrive(text, next, first, current, output);
                    }
                }
            }
            if (k == word.Length || prefix.Children is null || !prefix.Children.TryGetValue(word[k], out prefix)) break;
        }
    }

    private void Arrive(TokenizedText text, PhraseNode node, int first, int current, List<TermMatch> output)
    {
        if (node.Terms is not null)
        {
            var tokens = text.Tokens;
            foreach (var term in node.Terms)
            {
                output.Add(new TermMatch(tokens[first].Start, tokens[current].End, first, current, term));
            }
        }
        var next = current + 1;
        if ((node.Exact is not null || node.Prefixes is not null) && next < text.TokenCount)
        {
            ref readonly var token = ref text.Tokens[next];
            if (token.Has(TokenFlags.JoinsPrevious) && !token.Has(TokenFlags.Number))
            {
                FollowToken(text, node, text.TextOf(token), first, next, output);
            }
        }
    }

    private void MatchDense(TokenizedText text, int tokenIndex, List<TermMatch> output)
    {
        var token = text.Tokens[tokenIndex];
        var chars = text.TextOf(token);
        for (var p = 0; p < chars.Length; p++)
        {
            var node = _dense;
            for (var q = p; q < chars.Length; q++)
            {
                if (node.Children is null || !node.Children.TryGetValue(chars[q], out node)) break;
                if (node.Terms is null) continue;
                foreach (var term in node.Terms)
                {
                    output.Add(new TermMatch(token.Start + p, token.Start + q + 1, tokenIndex, tokenIndex, term));
                }
            }
        }
    }

    private sealed class PhraseNode
    {
        public Dictionary<string, PhraseNode>? Exact;
        public Dictionary<string, PhraseNode>.AlternateLookup<ReadOnlySpan<char>> ExactLookup;
        public PrefixNode? Prefixes;
        public List<Term>? Terms;

        public PhraseNode ExactChild(string word)
        {
            if (Exact is null)
            {
                Exact = new Dictionary<string, PhraseNode>(StringComparer.Ordinal);
                ExactLookup = Exact.GetAlternateLookup<ReadOnlySpan<char>>();
            }
            if (!Exact.TryGetValue(word, out var child)) Exact[word] = child = new PhraseNode();
            return child;
        }

        public PhraseNode PrefixChild(string stem, int maxRemainder)
        {
            var node = Prefixes ??= new PrefixNode();
            foreach (var c in stem)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out var next)) node.Children[c] = next = new PrefixNode();
                node = next;
            }
            node.Ends ??= [];
            foreach (var (existing, remainder) in node.Ends)
            {
                if (remainder == maxRemainder) return existing;
            }
            var child = new PhraseNode();
            node.Ends.Add((child, maxRemainder));
            return child;
        }
    }

    private sealed class PrefixNode
    {
        public Dictionary<char, PrefixNode>? Children;
        public List<(PhraseNode Next, int MaxRemainder)>? Ends;
    }

    private sealed class DenseNode
    {
        public Dictionary<char, DenseNode>? Children;
        public List<Term>? Terms;

        public DenseNode Child(char c)
        {
            Children ??= [];
            if (!Children.TryGetValue(c, out var child)) Children[c] = child = new DenseNode();
            return child;
        }
    }
}
