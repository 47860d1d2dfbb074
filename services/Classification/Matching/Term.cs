namespace Monitoring.Classification.Matching;

public enum TermKind : byte
{
    /// <summary>A name, adjective, city or metonym of one or more countries.</summary>
    Country,
    /// <summary>A longer phrase that contains a country name but is no mention of it (Sea of Japan, Papua New Guinea's "Guinea").</summary>
    CountryBlock,
    Topic,
    /// <summary>A phrase that contains a topic term but raises nothing (Cyber Monday, battle of the bands).</summary>
    TopicBlock,
    /// <summary>A word of a non-security domain (sport, shopping, culture) that makes weak security terms count less.</summary>
    Context,
    /// <summary>A word severity reads: casualties, nuclear, ICBM, war.</summary>
    SeverityCue,
    /// <summary>A word that decides an ambiguous country name (Atlanta for Georgia the US state).</summary>
    Cue,
}

[Flags]
public enum TermFlags : byte
{
    None = 0,
    /// <summary>Matches only when written with a capital (Turkey the country, not turkey the bird).</summary>
    Capitalized = 1,
    /// <summary>Matches only in capitals (US, UK, EU, AS, RI).</summary>
    AllCaps = 2,
    /// <summary>Also a personal name (Jordan, Chad): next to another capitalised word it is a person.</summary>
    PersonName = 4,
    /// <summary>A one-syllable Vietnamese name (Anh, Đức, Mỹ) that is also a given name: followed by a capitalised syllable it is a person or a place name.</summary>
    NameSyllable = 8,
}

/// <summary>What a matched phrase means. Immutable after loading; shared by all threads.</summary>
public sealed class Term
{
    public required TermKind Kind { get; init; }
    /// <summary>Country indexes (Country), or the topic / context / severity cue / cue id.</summary>
    public int[] Targets { get; init; } = [];
    public double Weight { get; init; } = 1;
    public TermFlags Flags { get; init; }
    /// <summary>Bit set of the language indexes this term is restricted to; 0 for any language.</summary>
    public ulong Languages { get; init; }
    /// <summary>Cue ids that, present in the article without any <see cref="SupportCues"/>, cancel this country term.</summary>
    public int[] ContraCues { get; set; } = [];
    public int[] SupportCues { get; set; } = [];
    /// <summary>The data line's phrase, for evidence and diagnostics.</summary>
    public required string Phrase { get; init; }

    public bool Has(TermFlags flag) => (Flags & flag) != 0;

    public bool AppliesTo(int language) => Languages == 0 || (language >= 0 && (Languages & (1UL << language)) != 0);
}

/// <summary>A term found in an article: folded-text character range and token range.</summary>
public readonly record struct TermMatch(int Start, int End, int FirstToken, int LastToken, Term Term);
