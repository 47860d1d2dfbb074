namespace Monitoring.Classification.Text;

/// <summary>The writing systems the classifier tells apart; they route language detection and matching.</summary>
public enum Script : byte
{
    Other,
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Devanagari,
    /// <summary>Han ideographs and Japanese kana: no spaces between words, matched with a character dictionary.</summary>
    Cjk,
    Hangul,
    Thai,
}

public static class Scripts
{
    public static Script Of(char c) => c switch
    {
        < 'A' => Script.Other,
        <= 'Z' or (>= 'a' and <= 'z') => Script.Latin,
        < '\u00C0' => Script.Other,
        <= '\u024F' => c is '\u00D7' or '\u00F7' ? Script.Other : Script.Latin,
        >= '\u0370' and <= '\u03FF' => Script.Greek,
        >= '\u0400' and <= '\u052F' => Script.Cyrillic,
        >= '\u0590' and <= '\u05FF' => Script.Hebrew,
        >= '\u0600' and <= '\u06FF' or (>= '\u0750' and <= '\u077F') or (>= '\uFB50' and <= '\uFDFF') or (>= '\uFE70' and <= '\uFEFF') => Script.Arabic,
        >= '\u0900' and <= '\u097F' => Script.Devanagari,
        >= '\u0E00' and <= '\u0E7F' => Script.Thai,
        >= '\u1100' and <= '\u11FF' or (>= '\u3130' and <= '\u318F') or (>= '\uAC00' and <= '\uD7AF') => Script.Hangul,
        >= '\u1E00' and <= '\u1EFF' => Script.Latin,
        >= '\u3040' and <= '\u30FF' or (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uF900' and <= '\uFAFF') or '\u3005' => Script.Cjk,
        _ => Script.Other,
    };

    /// <summary>Scripts written without spaces between words (Korean has spaces, but particles stick to names).</summary>
    public static bool IsDense(Script script) => script is Script.Cjk or Script.Thai or Script.Hangul;

    public static bool IsKana(char c) => c is >= '\u3040' and <= '\u30FF' and not '\u30FB' and not '\u30FC';
}
