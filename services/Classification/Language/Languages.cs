namespace Monitoring.Classification.Language;

/// <summary>The 25 languages the classifier promises, by ISO 639-1 code; the index is used in bit sets.</summary>
public static class Languages
{
    public const string Unknown = "und";

    public static readonly string[] Codes =
    [
        "en", "id", "ms", "es", "pt", "fr", "de", "it", "nl", "ru", "uk", "pl", "tr", "ar", "fa", "he", "zh",
        "ja", "ko", "vi", "th", "hi", "ur", "sw", "tl",
    ];

    public static readonly string[] Latin = ["en", "id", "ms", "es", "pt", "fr", "de", "it", "nl", "pl", "tr", "vi", "sw", "tl"];

    public static int IndexOf(string? code) => code is null ? -1 : Array.IndexOf(Codes, code);

    /// <summary>Bit set of a comma-separated list of codes; <c>*</c> (or empty) means every language (0).</summary>
    public static ulong MaskOf(string list)
    {
        if (list is "" or "*") return 0;
        var mask = 0UL;
        foreach (var code in list.Split(','))
        {
            var index = IndexOf(code.Trim());
            if (index < 0) throw new ArgumentException($"unknown language '{code}'");
            mask |= 1UL << index;
        }
        return mask;
    }

    /// <summary>A feed's language tag as one of <see cref="Codes"/> ("id-ID" → id, "in" → id, "fil" → tl), or null.</summary>
    public static string? FromHint(string? hint)
    {
        if (string.IsNullOrWhiteSpace(hint)) return null;
        var primary = hint.Trim().Split('-', '_')[0].ToLowerInvariant();
        primary = primary switch { "in" => "id", "iw" => "he", "fil" => "tl", "zsm" => "ms", "ind" => "id", _ => primary };
        return IndexOf(primary) >= 0 ? primary : null;
    }
}
