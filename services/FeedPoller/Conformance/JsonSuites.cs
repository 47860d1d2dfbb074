using System.Text.Json;
using System.Text.RegularExpressions;
using Monitoring.FeedPoller.Parsing;
using static Monitoring.FeedPoller.Conformance.Model;

namespace Monitoring.FeedPoller.Conformance;

/// <summary>feed-rs: <c>name.xml|json</c> beside <c>name.serde.json</c>, the complete expected parse in feed-rs's model.</summary>
public sealed class FeedRsSuite : IConformanceSuite
{
    public string Name => "feed-rs";
    public string Folder => "feed-rs";

    private static readonly JsonExpectations Expectations = new(
    [
        (new Regex(@"^feed_type$"), (d, _) => d.Format switch
        {
            FeedFormat.Atom03 or FeedFormat.Atom10 => "Atom",
            FeedFormat.JsonFeed10 or FeedFormat.JsonFeed11 => "JSON",
            FeedFormat.Rss10 or FeedFormat.Rss090 => "RSS1",
            FeedFormat.Rss20 or FeedFormat.RssUnversioned => "RSS2",
            _ => "RSS0",
        }),
        (new Regex(@"^id$"), (d, _) => d.Id),
        (new Regex(@"^title\.content$"), (d, _) => Value(d.Title)),
        (new Regex(@"^description\.content$"), (d, _) => Value(d.Description)),
        (new Regex(@"^language$"), (d, _) => d.Language),
        (new Regex(@"^published$"), (d, _) => d.Published),
        (new Regex(@"^updated$"), (d, _) => d.Updated),
        (new Regex(@"^rights\.content$"), (d, _) => d.Rights),
        (new Regex(@"^generator\.content$"), (d, _) => d.Generator),
        (new Regex(@"^icon\.uri$"), (d, _) => d.Icon),
        (new Regex(@"^logo\.uri$"), (d, _) => d.ImageUrl),
        (new Regex(@"^ttl$"), (d, _) => d.UpdateHint?.Ttl?.TotalMinutes),
        (new Regex(@"^links\[(?<l>\d+)\]\.href$"), (d, m) => d.Links[Index(m, "l")].Href),
        (new Regex(@"^links\[(?<l>\d+)\]\.rel$"), (d, m) => d.Links[Index(m, "l")].Rel),
        (new Regex(@"^links\[(?<l>\d+)\]\.media_type$"), (d, m) => d.Links[Index(m, "l")].MediaType),
        (new Regex(@"^authors\[(?<a>\d+)\]\.name$"), (d, m) => d.Authors[Index(m, "a")].Name),
        (new Regex(@"^authors\[(?<a>\d+)\]\.email$"), (d, m) => d.Authors[Index(m, "a")].Email),
        (new Regex(@"^authors\[(?<a>\d+)\]\.uri$"), (d, m) => d.Authors[Index(m, "a")].Uri),
        (new Regex(@"^categories\[(?<c>\d+)\]\.term$"), (d, m) => d.Categories[Index(m, "c")].Term),
        (new Regex(@"^entries\[(?<i>\d+)\]\.id$"), (d, m) => Entry(d, m).Id),
        (new Regex(@"^entries\[(?<i>\d+)\]\.title\.content$"), (d, m) => Value(Entry(d, m).Title)),
        (new Regex(@"^entries\[(?<i>\d+)\]\.summary\.content$"), (d, m) => Value(Entry(d, m).Summary)),
        (new Regex(@"^entries\[(?<i>\d+)\]\.content\.body$"), (d, m) => Content(Entry(d, m))),
        (new Regex(@"^entries\[(?<i>\d+)\]\.content\.src$"), (d, m) => Entry(d, m).Contents.FirstOrDefault()?.Src),
        (new Regex(@"^entries\[(?<i>\d+)\]\.published$"), (d, m) => Entry(d, m).Published),
        // feed-rs fills an entry's "updated" with its publication date when the feed gives no update date.
        (new Regex(@"^entries\[(?<i>\d+)\]\.updated$"), (d, m) => Entry(d, m).Updated ?? Entry(d, m).Published),
        (new Regex(@"^entries\[(?<i>\d+)\]\.language$"), (d, m) => Entry(d, m).Language),
        (new Regex(@"^entries\[(?<i>\d+)\]\.links\[(?<l>\d+)\]\.href$"), (d, m) => Entry(d, m).Links[Index(m, "l")].Href),
        (new Regex(@"^entries\[(?<i>\d+)\]\.links\[(?<l>\d+)\]\.rel$"), (d, m) => Entry(d, m).Links[Index(m, "l")].Rel),
        (new Regex(@"^entries\[(?<i>\d+)\]\.links\[(?<l>\d+)\]\.media_type$"), (d, m) => Entry(d, m).Links[Index(m, "l")].MediaType),
        (new Regex(@"^entries\[(?<i>\d+)\]\.authors\[(?<a>\d+)\]\.name$"), (d, m) => Entry(d, m).Authors[Index(m, "a")].Name),
        (new Regex(@"^entries\[(?<i>\d+)\]\.authors\[(?<a>\d+)\]\.email$"), (d, m) => Entry(d, m).Authors[Index(m, "a")].Email),
        (new Regex(@"^entries\[(?<i>\d+)\]\.authors\[(?<a>\d+)\]\.uri$"), (d, m) => Entry(d, m).Authors[Index(m, "a")].Uri),
        (new Regex(@"^entries\[(?<i>\d+)\]\.categories\[(?<c>\d+)\]\.term$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Term),
        (new Regex(@"^entries\[(?<i>\d+)\]\.categories\[(?<c>\d+)\]\.scheme$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Scheme),
        (new Regex(@"^entries\[(?<i>\d+)\]\.categories\[(?<c>\d+)\]\.label$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Label),
    ],
    // Type names of feed-rs's own model and the lengths of links it fills in are not statements about the feed.
    ignore: path => path.EndsWith("content_type", StringComparison.Ordinal) || path.EndsWith(".length", StringComparison.Ordinal));

    public IEnumerable<Expectation> Run(string folder)
    {
        foreach (var input in Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (input.EndsWith(".serde.json", StringComparison.Ordinal) || !(input.EndsWith(".xml") || input.EndsWith(".json"))) continue;
            var name = Path.GetRelativePath(folder, input);
            var expectedFile = Path.ChangeExtension(input, null) + ".serde.json";
            var outcome = ParseOutcome.Of(input);
            if (name.EndsWith("rss_2.0_invalid_1.xml", StringComparison.Ordinal))
            {
                yield return new Expectation(name, "must fail (truncated feed)", outcome.Failed && !outcome.Crashed && !outcome.Hung, Detail: outcome.Error);
                continue;
            }
            if (!File.Exists(expectedFile)) continue; // xml/ samples: only the crash sweep reads them
            if (outcome.Document is null)
            {
                yield return new Expectation(name, "parses", false, Detail: outcome.Error);
                continue;
            }
            yield return new Expectation(name, "parses", true);
            using var expected = JsonDocument.Parse(File.ReadAllText(expectedFile));
            var entries = expected.RootElement.GetProperty("entries");
            yield return new Expectation(name, "entries count", entries.GetArrayLength() == outcome.Document.Entries.Count,
                Detail: $"expected {entries.GetArrayLength()}, got {outcome.Document.Entries.Count}");
            // Ids absent from the source are feed-rs's own hashes (32 hex digits): those are not expectations about the feed.
            foreach (var expectation in Expectations.Check(name, outcome.Document, expected.RootElement))
            {
                if ((expectation.What == "id" || expectation.What.EndsWith("].id", StringComparison.Ordinal)) && GeneratedId(expected.RootElement, expectation.What)) continue;
                yield return expectation;
            }
        }
    }

    private static bool GeneratedId(JsonElement root, string path)
    {
        var match = Regex.Match(path, @"^entries\[(\d+)\]");
        var owner = match.Success ? root.GetProperty("entries")[int.Parse(match.Groups[1].Value)] : root;
        return owner.GetProperty("id").GetString() is { Length: 32 } id && id.All(char.IsAsciiHexDigitLower);
    }
}

/// <summary>gofeed: <c>x.xml</c> beside <c>x.json</c> (or <c>x.json</c> beside <c>x_expected.json</c>), plus the universal detector table.</summary>
public sealed class GofeedSuite : IConformanceSuite
{
    public string Name => "gofeed";
    public string Folder => "gofeed";

    private static readonly JsonExpectations Expectations = new(
    [
        (new Regex(@"^title$"), (d, _) => d.Title?.ToPlainText()),
        (new Regex(@"^description$"), (d, _) => Value(d.Description)),
        (new Regex(@"^(link|home_page_url)$"), (d, _) => d.Link),
        (new Regex(@"^(feedLink|feed_url)$"), (d, _) => d.Links.FirstOrDefault(l => l.Rel == "self")?.Href),
        (new Regex(@"^links\[(?<l>\d+)\]$"), (d, m) => d.Links[Index(m, "l")].Href),
        (new Regex(@"^language$"), (d, _) => d.Language),
        (new Regex(@"^(version|feedVersion)$"), (d, _) => Version(d.Format)),
        (new Regex(@"^feedType$"), (d, _) => FeedTypeName(d.Format)),
        (new Regex(@"^(updated|updatedParsed)$"), (d, _) => d.Updated),
        (new Regex(@"^(published|publishedParsed)$"), (d, _) => d.Published),
        (new Regex(@"^(icon)$"), (d, _) => d.ImageUrl),
        (new Regex(@"^(favicon)$"), (d, _) => d.Icon),
        (new Regex(@"^image\.url$"), (d, _) => d.ImageUrl),
        (new Regex(@"^(author|authors\[0\])\.name$"), (d, _) => d.Authors.FirstOrDefault()?.Name),
        (new Regex(@"^(author|authors\[0\])\.url$"), (d, _) => d.Authors.FirstOrDefault()?.Uri),
        (new Regex(@"^categories\[(?<c>\d+)\](\.term)?$"), (d, m) => d.Categories[Index(m, "c")].Term),
        (new Regex(@"^categories\[(?<c>\d+)\]\.label$"), (d, m) => d.Categories[Index(m, "c")].Label),
        (new Regex(@"^copyright|rights$"), (d, _) => d.Rights),
        (new Regex(@"^generator$"), (d, _) => d.Generator),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.title$"), (d, m) => Entry(d, m).Title?.ToPlainText()),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(description|summary)$"), (d, m) => Value(Entry(d, m).Summary)),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(content|content_html|content\.value)$"), (d, m) => Content(Entry(d, m))),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.content_text$"), (d, m) => Entry(d, m).Contents.FirstOrDefault(c => c.Type == FeedTextType.Text)?.Value),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.content\.type$"), (d, m) => Entry(d, m).Contents.FirstOrDefault()?.MediaType),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(link|url)$"), (d, m) => Entry(d, m).Link),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.external_url$"), (d, m) => Entry(d, m).Links.FirstOrDefault(l => l.Rel == "related")?.Href),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.links\[(?<l>\d+)\]$"), (d, m) => Entry(d, m).Links[Index(m, "l")].Href),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(guid|id)$"), (d, m) => Entry(d, m).Id),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(published|publishedParsed|date_published)$"), (d, m) => Entry(d, m).Published),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(updated|updatedParsed|date_modified)$"), (d, m) => Entry(d, m).Updated),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(author|authors\[0\])\.name$"), (d, m) => Entry(d, m).Authors.FirstOrDefault()?.Name),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(author|authors\[0\])\.(url|email)$"), (d, m) => Entry(d, m).Authors.FirstOrDefault() is { } a ? a.Uri ?? a.Email : null),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(categories|tags)\[(?<c>\d+)\](\.term)?$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Term),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(enclosure|enclosures\[(?<e>\d+)\]|attachments\[(?<e>\d+)\])\.url$"),
            (d, m) => Entry(d, m).Enclosures[m.Groups["e"].Success ? Index(m, "e") : 0].Url),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(enclosure|enclosures\[(?<e>\d+)\]|attachments\[(?<e>\d+)\])\.(type|mime_type)$"),
            (d, m) => Entry(d, m).Enclosures[m.Groups["e"].Success ? Index(m, "e") : 0].MediaType),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.(enclosure|enclosures\[(?<e>\d+)\]|attachments\[(?<e>\d+)\])\.(length|size_in_bytes)$"),
            (d, m) => Entry(d, m).Enclosures[m.Groups["e"].Success ? Index(m, "e") : 0].Length),
        (new Regex(@"^(?:items|entries)\[(?<i>\d+)\]\.source\.title$"), (d, m) => Entry(d, m).Source?.Title),
    ]);

    public IEnumerable<Expectation> Run(string folder)
    {
        foreach (var input in Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(folder, input);
            if (name.StartsWith("parser" + Path.DirectorySeparatorChar + "universal", StringComparison.Ordinal)) continue;
            string? expectedFile = null;
            if (input.EndsWith(".xml", StringComparison.Ordinal)) expectedFile = Path.ChangeExtension(input, ".json");
            else if (input.EndsWith(".json", StringComparison.Ordinal) && !input.EndsWith("_expected.json", StringComparison.Ordinal))
                expectedFile = input[..^5] + "_expected.json";
            var outcome = ParseOutcome.Of(input);
            if (name.EndsWith("invalid.json", StringComparison.Ordinal))
            {
                yield return new Expectation(name, "must fail", outcome.Failed && !outcome.Crashed && !outcome.Hung, Detail: outcome.Error);
                continue;
            }
            if (expectedFile is null || !File.Exists(expectedFile)) continue;
            if (outcome.Document is null)
            {
                yield return new Expectation(name, "parses", false, Detail: outcome.Error);
                continue;
            }
            yield return new Expectation(name, "parses", true);
            using var expected = JsonDocument.Parse(File.ReadAllText(expectedFile));
            foreach (var expectation in Expectations.Check(name, outcome.Document, expected.RootElement))
            {
                // gofeed's extension maps (dc, itunes ...) are its own representation of elements, not modelled here.
                if (expectation.What.Contains("extensions.", StringComparison.Ordinal) || expectation.What.Contains("Ext.", StringComparison.Ordinal))
                    yield return expectation with { Passed = false, Modelled = false };
                else yield return expectation;
            }
        }
        foreach (var expectation in Universal(Path.Combine(folder, "parser", "universal"))) yield return expectation;
    }

    /// <summary>EXPECTED.tsv: detected type, expected title, whether parsing must fail.</summary>
    private static IEnumerable<Expectation> Universal(string folder)
    {
        var table = Path.Combine(folder, "EXPECTED.tsv");
        if (!File.Exists(table)) yield break;
        foreach (var line in File.ReadLines(table).Skip(1).Where(l => l.Length > 0))
        {
            var columns = line.Split('\t');
            var (file, parsedType, title, mustFail) = (columns[0], columns[2], columns[3], columns[4] == "true");
            var name = Path.Combine("parser", "universal", file);
            var outcome = ParseOutcome.Of(Path.Combine(folder, file));
            if (mustFail)
            {
                yield return new Expectation(name, "must fail", outcome.Failed && !outcome.Crashed && !outcome.Hung, Detail: outcome.Error);
                continue;
            }
            yield return new Expectation(name, "parses", outcome.Document is not null, Detail: outcome.Error);
            if (outcome.Document is null) continue;
            yield return new Expectation(name, "feed type", FeedTypeName(outcome.Document.Format) == parsedType, Detail: outcome.Document.Format.ToString());
            yield return new Expectation(name, "title", outcome.Document.Title?.ToPlainText() == title, Detail: outcome.Document.Title?.Value);
        }
    }
}

/// <summary>rss-parser: <c>input/name</c> beside <c>expected-output/name.json</c> = <c>{feed: ...}</c>; unrecognized.rss must fail.</summary>
public sealed class RssParserSuite : IConformanceSuite
{
    public string Name => "rss-parser";
    public string Folder => "rss-parser";

    private static readonly JsonExpectations Expectations = new(
    [
        (new Regex(@"^feed\.title$"), (d, _) => d.Title?.ToPlainText()),
        (new Regex(@"^feed\.description$"), (d, _) => d.Description?.ToPlainText()),
        (new Regex(@"^feed\.link$"), (d, _) => d.Link),
        (new Regex(@"^feed\.language$"), (d, _) => d.Language),
        (new Regex(@"^feed\.(lastBuildDate|pubDate)$"), (d, _) => d.Updated ?? d.Published),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.title$"), (d, m) => Entry(d, m).Title?.ToPlainText()),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.link$"), (d, m) => Entry(d, m).Link),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.(guid|id)$"), (d, m) => Entry(d, m).Id),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.(pubDate|isoDate)$"), (d, m) => Entry(d, m).Published ?? Entry(d, m).Updated),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.content$"), (d, m) => Content(Entry(d, m)) ?? Value(Entry(d, m).Summary)),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.contentSnippet$"), (d, m) => Entry(d, m).PlainText()),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.(creator|author)$"), (d, m) => Entry(d, m).Authors.FirstOrDefault()?.Name),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.categories\[(?<c>\d+)\]$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Term),
        (new Regex(@"^feed\.items\[(?<i>\d+)\]\.enclosure\.url$"), (d, m) => Entry(d, m).Enclosures[0].Url),
    ]);

    public IEnumerable<Expectation> Run(string folder)
    {
        foreach (var input in Directory.EnumerateFiles(Path.Combine(folder, "input")).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(input);
            var outcome = ParseOutcome.Of(input);
            if (name == "unrecognized.rss")
            {
                yield return new Expectation(name, "must fail", outcome.Failed && !outcome.Crashed && !outcome.Hung, Detail: outcome.Error);
                continue;
            }
            var expectedFile = Path.Combine(folder, "expected-output", Path.GetFileNameWithoutExtension(name) + ".json");
            if (!File.Exists(expectedFile)) continue;
            if (outcome.Document is null)
            {
                yield return new Expectation(name, "parses", false, Detail: outcome.Error);
                continue;
            }
            yield return new Expectation(name, "parses", true);
            using var expected = JsonDocument.Parse(File.ReadAllText(expectedFile));
            foreach (var expectation in Expectations.Check(name, outcome.Document, expected.RootElement)) yield return expectation;
        }
    }
}
