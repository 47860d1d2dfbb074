using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Conformance;

/// <summary>One stated expectation of a suite and whether the parser met it.</summary>
/// <param name="Modelled">False when the expectation is about something this parser does not model (an iTunes extension,
/// an RSS cloud, a sanitised HTML rendering ...): it counts as not met, and is reported apart so the gap is visible.</param>
public sealed record Expectation(string File, string What, bool Passed, bool Modelled = true, string? Detail = null);

/// <summary>A suite of another parser's test files with their stated expectations, read in place.</summary>
public interface IConformanceSuite
{
    string Name { get; }

    /// <summary>The suite's folder under the corpus root, e.g. "feedparser".</summary>
    string Folder { get; }

    IEnumerable<Expectation> Run(string folder);
}

/// <summary>A parse of one file that cannot crash or hang the run: every outcome is a value.</summary>
public sealed record ParseOutcome(FeedDocument? Document, string? Error, bool Crashed, bool Hung)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public bool Failed => Document is null;

    public static ParseOutcome Of(string path, string? contentType = null) =>
        File.Exists(path) ? Of(File.ReadAllBytes(path), contentType, path) : new ParseOutcome(null, $"{path} does not exist", false, false);

    public static ParseOutcome Of(byte[] bytes, string? contentType, string path, string? contentLanguage = null)
    {
        var parse = Task.Run(() =>
        {
            try
            {
                return new ParseOutcome(FeedParser.Parse(bytes, contentType, new Uri(Path.GetFullPath(path)), contentLanguage: contentLanguage), null, false, false);
            }
            catch (FeedFormatException e)
            {
                return new ParseOutcome(null, e.Message, false, false);
            }
            catch (Exception e)
            {
                return new ParseOutcome(null, $"{e.GetType().Name}: {e.Message}", true, false);
            }
        });
        return parse.Wait(Timeout) ? parse.Result : new ParseOutcome(null, $"no result within {Timeout.TotalSeconds} s", false, true);
    }
}

/// <summary>Comparing values the way the suites state them: whitespace-insensitive text, dates as instants, numbers as text.</summary>
public static partial class Compare
{
    public static bool Same(object? expected, object? actual)
    {
        if (expected is null) return actual is null;
        if (actual is null) return false;
        if (actual is DateTimeOffset time) return Date(expected.ToString()) is { } expectedTime && expectedTime == time;
        if (expected is JsonElement json) expected = Scalar(json);
        var expectedText = Text(expected!.ToString());
        var actualText = Text(actual is bool b ? (b ? "true" : "false") : Convert.ToString(actual, CultureInfo.InvariantCulture));
        if (expectedText == actualText) return true;
        // The same URL written two ways (host case, an empty path with or without "/") is the same URL.
        return Uri.TryCreate(expectedText, UriKind.Absolute, out var expectedUri) && expectedUri.Scheme is "http" or "https"
            && Uri.TryCreate(actualText, UriKind.Absolute, out var actualUri) && expectedUri.AbsoluteUri == actualUri.AbsoluteUri;
    }

    public static string Text(string? value) => value is null ? "" : Whitespace().Replace(value, " ").Trim();

    public static DateTimeOffset? Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value.ToUniversalTime() : FeedDates.Parse(text);

    public static object? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>
/// Reads a suite's expected-output JSON leaf by leaf and checks each leaf against the parsed document through a table
/// of path patterns (e.g. <c>items[0].title</c>) that say where that value lives in this parser's model. Leaves with no
/// pattern are expectations about things not modelled. Null and empty leaves state nothing and are not counted.
/// </summary>
public sealed class JsonExpectations(IReadOnlyList<(Regex Path, Func<FeedDocument, Match, object?> Actual)> map, Func<string, bool>? ignore = null)
{
    public IEnumerable<Expectation> Check(string file, FeedDocument document, JsonElement expected)
    {
        foreach (var (path, value) in Leaves(expected, ""))
        {
            if (value.ValueKind is JsonValueKind.Null || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0)) continue;
            if (ignore?.Invoke(path) == true) continue;
            var rule = map.Select(m => (m.Actual, Match: m.Path.Match(path))).FirstOrDefault(m => m.Match.Success);
            if (rule.Actual is null)
            {
                yield return new Expectation(file, path, false, Modelled: false);
                continue;
            }
            object? actual;
            try
            {
                actual = rule.Actual(document, rule.Match);
            }
            catch (ArgumentOutOfRangeException)
            {
                actual = null; // the parser found fewer entries or links than expected
            }
            // Language tags are case-insensitive (BCP 47).
            var passed = path.EndsWith("language", StringComparison.Ordinal)
                ? string.Equals(Compare.Scalar(value)?.ToString(), actual?.ToString(), StringComparison.OrdinalIgnoreCase)
                : Compare.Same(Compare.Scalar(value), actual);
            yield return new Expectation(file, path, passed, Detail: passed ? null : $"expected «{Compare.Scalar(value)}», got «{actual}»");
        }
    }

    private static IEnumerable<(string Path, JsonElement Value)> Leaves(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                foreach (var leaf in Leaves(property.Value, path.Length == 0 ? property.Name : path + "." + property.Name))
                    yield return leaf;
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                foreach (var leaf in Leaves(item, $"{path}[{index++}]"))
                    yield return leaf;
                break;
            default:
                yield return (path, element);
                break;
        }
    }
}

/// <summary>Shortcuts for the path tables.</summary>
internal static class Model
{
    public static FeedEntry Entry(FeedDocument d, Match m, string group = "i") => d.Entries[int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture)];

    public static int Index(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    public static string? Value(FeedText? text) => text?.Value;

    public static string? Content(FeedEntry e) => e.Contents.FirstOrDefault(c => c.Type != FeedTextType.Text)?.Value ?? e.Contents.FirstOrDefault()?.Value;

    public static string? FeedTypeName(FeedFormat format) => format switch
    {
        FeedFormat.Atom03 or FeedFormat.Atom10 => "atom",
        FeedFormat.JsonFeed10 or FeedFormat.JsonFeed11 => "json",
        _ => "rss",
    };

    public static string Version(FeedFormat format) => format switch
    {
        FeedFormat.Rss090 => "0.90",
        FeedFormat.Rss091Netscape or FeedFormat.Rss091Userland => "0.91",
        FeedFormat.Rss092 => "0.92",
        FeedFormat.Rss093 => "0.93",
        FeedFormat.Rss094 => "0.94",
        FeedFormat.Rss20 => "2.0",
        FeedFormat.Rss10 => "1.0",
        FeedFormat.Atom03 => "0.3",
        FeedFormat.Atom10 => "1.0",
        FeedFormat.JsonFeed10 => "1.0",
        FeedFormat.JsonFeed11 => "1.1",
        _ => "",
    };
}
