using System.Globalization;
using System.Text.RegularExpressions;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// Dates as feeds write them: RFC 822/1123 (RSS), RFC 3339/ISO 8601/W3C-DTF (Atom, JSON Feed, Dublin Core) and the
/// common malformed variants — missing or extra day names, two-digit years, zone names and military zones, missing
/// seconds or zones, month names in a few languages, asctime. Never throws: an unreadable date is null.
/// </summary>
public static partial class FeedDates
{
    private static readonly Dictionary<string, int> Months = new(StringComparer.OrdinalIgnoreCase)
    {
        // English, then the common non-English abbreviations seen in real feeds (de, fr, es, it, nl, pt).
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
        ["mär"] = 3, ["mrz"] = 3, ["mai"] = 5, ["okt"] = 10, ["dez"] = 12,
        ["janv"] = 1, ["fév"] = 2, ["févr"] = 2, ["fev"] = 2, ["mars"] = 3, ["avr"] = 4, ["juin"] = 6, ["juil"] = 7,
        ["aoû"] = 8, ["août"] = 8, ["aou"] = 8, ["déc"] = 12,
        ["ene"] = 1, ["abr"] = 4, ["ago"] = 8, ["dic"] = 12, ["set"] = 9, ["out"] = 10,
        ["gen"] = 1, ["mag"] = 5, ["giu"] = 6, ["lug"] = 7, ["ott"] = 10, ["mei"] = 5, ["okt."] = 10,
    };

    private static readonly Dictionary<string, int> ZoneHours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UT"] = 0, ["UTC"] = 0, ["GMT"] = 0, ["Z"] = 0, ["WET"] = 0, ["BST"] = 1, ["CET"] = 1, ["MET"] = 1, ["CEST"] = 2, ["MEST"] = 2,
        ["EET"] = 2, ["EEST"] = 3, ["MSK"] = 3, ["IST"] = 5, ["JST"] = 9, ["KST"] = 9, ["HKT"] = 8, ["SGT"] = 8, ["AEST"] = 10, ["AEDT"] = 11,
        ["EST"] = -5, ["EDT"] = -4, ["CST"] = -6, ["CDT"] = -5, ["MST"] = -7, ["MDT"] = -6, ["PST"] = -8, ["PDT"] = -7,
        ["AKST"] = -9, ["AKDT"] = -8, ["HST"] = -10, ["NZST"] = 12, ["NZDT"] = 13,
        // RFC 822 military zones (their signs are famously inverted in the RFC; readers follow the RFC text).
        ["A"] = -1, ["B"] = -2, ["C"] = -3, ["D"] = -4, ["E"] = -5, ["F"] = -6, ["G"] = -7, ["H"] = -8, ["I"] = -9, ["K"] = -10,
        ["L"] = -11, ["M"] = -12, ["N"] = 1, ["O"] = 2, ["P"] = 3, ["Q"] = 4, ["R"] = 5, ["S"] = 6, ["T"] = 7, ["U"] = 8,
        ["V"] = 9, ["W"] = 10, ["X"] = 11, ["Y"] = 12,
    };

    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 200) return null;
        var trimmed = text.Trim();
        try
        {
            return Iso8601(trimmed) ?? Rfc1123(trimmed) ?? Rfc822(trimmed) ?? Fallback(trimmed);
        }
        catch (ArgumentException)
        {
            return null; // out-of-range parts (month 13, offset 25 hours) are an unreadable date, not an error
        }
    }

    private static DateTimeOffset? Iso8601(string text)
    {
        var match = IsoPattern().Match(text);
        if (!match.Success) return null;
        var year = int.Parse(match.Groups["y"].Value, CultureInfo.InvariantCulture);
        var month = match.Groups["mo"].Success ? int.Parse(match.Groups["mo"].Value, CultureInfo.InvariantCulture) : 1;
        var day = match.Groups["d"].Success ? int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture) : 1;
        var hour = match.Groups["h"].Success ? int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
        var minute = match.Groups["mi"].Success ? int.Parse(match.Groups["mi"].Value, CultureInfo.InvariantCulture) : 0;
        var second = match.Groups["s"].Success ? int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) : 0;
        var fraction = match.Groups["f"].Success ? double.Parse("0." + match.Groups["f"].Value, CultureInfo.InvariantCulture) : 0;
        var offset = match.Groups["z"].Success ? Offset(match.Groups["z"].Value) : TimeSpan.Zero;
        if (offset is null) return null;
        var (carryDay, clampedSecond, clampedHour) = Normalise(hour, second);
        var value = new DateTimeOffset(year, month, day, clampedHour, minute, clampedSecond, offset.Value)
            .AddDays(carryDay).AddTicks((long)(fraction * TimeSpan.TicksPerSecond));
        return value.ToUniversalTime();
    }

    /// <summary>The well-formed RFC 1123 date most feeds write ("Fri, 01 Nov 2024 09:30:00 GMT" or "+0000"), without tokenizing.</summary>
    private static DateTimeOffset? Rfc1123(string text)
    {
        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var gmt)) return gmt.ToUniversalTime();
        if (text.Length == 31 && text[3] == ',' && text[25] is '+' or '-'
            && DateTimeOffset.TryParseExact(text.Insert(29, ":"), "ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var offset))
            return offset.ToUniversalTime();
        return null;
    }

    private static DateTimeOffset? Rfc822(string text)
    {
        // Tokens: words, numbers, times and zones; commas, dots and parentheses are separators.
        var tokens = Tokens().Matches(text).Select(m => m.Value).ToList();
        int? day = null, month = null, year = null;
        int hour = 0, minute = 0, second = 0;
        var timeSeen = false;
        TimeSpan? offset = null;
        foreach (var token in tokens)
        {
            if (TimePattern().Match(token) is { Success: true } time)
            {
                hour = int.Parse(time.Groups[1].Value, CultureInfo.InvariantCulture);
                minute = int.Parse(time.Groups[2].Value, CultureInfo.InvariantCulture);
                second = time.Groups[3].Success ? int.Parse(time.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
                timeSeen = true;
                continue;
            }
            if (token[0] is '+' or '-' && timeSeen)
            {
                offset ??= Offset(token);
                continue;
            }
            if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                if (token.Length >= 3 || (day is not null && month is not null) || number > 31) year ??= number;
                else day ??= number;
                continue;
            }
            if (month is null && MonthOf(token) is { } m)
            {
                month = m;
                continue;
            }
            if (timeSeen && offset is null && ZoneHours.TryGetValue(token, out var zone)) offset = TimeSpan.FromHours(zone);
        }
        if (day is null || month is null || year is null) return null;
        var fullYear = year.Value switch
        {
            < 50 => 2000 + year.Value,
            < 100 => 1900 + year.Value,
            _ => year.Value,
        };
        var (carryDay, clampedSecond, clampedHour) = Normalise(hour, second);
        return new DateTimeOffset(fullYear, month.Value, day.Value, clampedHour, minute, clampedSecond, offset ?? TimeSpan.Zero)
            .AddDays(carryDay).ToUniversalTime();
    }

    private static DateTimeOffset? Fallback(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var value)
            ? value.ToUniversalTime()
            : null;

    /// <summary>Hour 24 means midnight of the next day; a leap second is read as second 59.</summary>
    private static (int CarryDay, int Second, int Hour) Normalise(int hour, int second) =>
        (hour == 24 ? 1 : 0, Math.Min(second, 59), hour == 24 ? 0 : hour);

    private static int? MonthOf(string token)
    {
        var word = token.TrimEnd('.');
        if (Months.TryGetValue(word, out var month)) return month;
        return word.Length >= 3 && Months.TryGetValue(word[..3], out month) ? month : null;
    }

    private static TimeSpan? Offset(string zone)
    {
        if (zone is "Z" or "z") return TimeSpan.Zero;
        if (ZoneHours.TryGetValue(zone, out var hours)) return TimeSpan.FromHours(hours);
        var match = OffsetPattern().Match(zone);
        if (!match.Success) return null;
        var sign = match.Groups[1].Value == "-" ? -1 : 1;
        var h = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        var m = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        if (h > 14 || m > 59) return null;
        return sign * new TimeSpan(h, m, 0);
    }

    [GeneratedRegex(@"^(?<y>\d{4})(?:-?(?<mo>\d{2})(?:-?(?<d>\d{2})(?:[Tt ]+(?<h>\d{2}):?(?<mi>\d{2})(?::?(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?)?\s*(?<z>[Zz]|[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{2,5})?)?)?)?$")]
    private static partial Regex IsoPattern();

    [GeneratedRegex(@"[+-]?\d{1,2}:\d{2}(?::\d{2})?|[+-]\d{2}:?\d{2}|[+-]\d{1,2}|\d+|[^\s,.()\d+-][^\s,()\d]*\.?")]
    private static partial Regex Tokens();

    [GeneratedRegex(@"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^([+-])(\d{1,2}):?(\d{2})?$")]
    private static partial Regex OffsetPattern();
}
