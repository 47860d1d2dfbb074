using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Monitoring.FeedPoller.Parsing;
using static Monitoring.FeedPoller.Conformance.Model;

namespace Monitoring.FeedPoller.Conformance;

/// <summary>
/// Rome: self-describing files where each element's text (or attribute value) is its own path, e.g.
/// <c>rss_2.0.channel.item[0].title</c>; every such value found in a file is an expectation. rome-modules files
/// are real captured feeds whose only expectation is that they parse.
/// </summary>
public sealed partial class RomeSuite : IConformanceSuite
{
    public string Name => "Rome";
    public string Folder => "rome";

    private static readonly (Regex Path, Func<FeedDocument, Match, object?> Actual)[] Map =
    [
        (new(@"^(channel|feed)\.title$"), (d, _) => Value(d.Title)),
        (new(@"^(channel|feed)\.link$"), (d, _) => d.Link),
        (new(@"^(channel\.description|feed\.(tagline|subtitle))$"), (d, _) => Value(d.Description)),
        (new(@"^channel\.(language|dc:language)$"), (d, _) => d.Language),
        (new(@"^(channel\.copyright|feed\.(copyright|rights))$"), (d, _) => d.Rights),
        (new(@"^(channel|feed)\.generator$"), (d, _) => d.Generator),
        (new(@"^(channel\.managingEditor|feed\.author\.name)$"), (d, _) => d.Authors.FirstOrDefault()?.Name),
        (new(@"^feed\.author\.email$"), (d, _) => d.Authors.FirstOrDefault()?.Email),
        (new(@"^(channel|feed)\.category\[(?<c>\d+)\]$"), (d, m) => d.Categories[Index(m, "c")].Term),
        (new(@"^(channel|feed)\.category\[(?<c>\d+)\]\^domain$"), (d, m) => d.Categories[Index(m, "c")].Scheme),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.title$"), (d, m) => Value(Entry(d, m).Title)),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.link$"), (d, m) => Entry(d, m).Link),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.(description|summary)$"), (d, m) => Value(Entry(d, m).Summary)),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.content(\[0\])?$"), (d, m) => Content(Entry(d, m))),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.(guid|id)$"), (d, m) => Entry(d, m).Id),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.(author|author\.name)$"), (d, m) => Entry(d, m).Authors.FirstOrDefault()?.Name),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.author\.email$"), (d, m) => Entry(d, m).Authors.FirstOrDefault()?.Email),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.author\.url$"), (d, m) => Entry(d, m).Authors.FirstOrDefault()?.Uri),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.category\[(?<c>\d+)\]$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Term),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.category\[(?<c>\d+)\]\^domain$"), (d, m) => Entry(d, m).Categories[Index(m, "c")].Scheme),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.comments$"), (d, m) => Entry(d, m).Comments),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.source$"), (d, m) => Entry(d, m).Source?.Title),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.source\^url$"), (d, m) => Entry(d, m).Source?.Url),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.enclousure\[(?<e>\d+)\]\^url$"), (d, m) => Entry(d, m).Enclosures[Index(m, "e")].Url),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.enclousure\[(?<e>\d+)\]\^type$"), (d, m) => Entry(d, m).Enclosures[Index(m, "e")].MediaType),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.dc:creator(\[0\])?$"), (d, m) => Entry(d, m).Authors.FirstOrDefault()?.Name),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.dc:subject\[(?<c>\d+)\]$"), (d, m) => Entry(d, m).Categories.Where(c => c.Scheme is null).ElementAt(Index(m, "c")).Term),
        (new(@"^(channel\.)?(item|entry)\[(?<i>\d+)\]\.dc:language(\[0\])?$"), (d, m) => Entry(d, m).Language),
    ];

    public IEnumerable<Expectation> Run(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(folder, "rome"), "*.xml").Order(StringComparer.Ordinal))
        {
            var name = Path.Combine("rome", Path.GetFileName(file));
            var outcome = ParseOutcome.Of(file);
            yield return new Expectation(name, "parses", outcome.Document is not null, Detail: outcome.Error);
            if (outcome.Document is null) continue;
            foreach (var (path, expected) in SelfDescribingValues(file))
            {
                var rule = Map.Select(m => (m.Actual, Match: m.Path.Match(path))).FirstOrDefault(m => m.Match.Success);
                if (rule.Actual is null)
                {
                    yield return new Expectation(name, path, false, Modelled: false);
                    continue;
                }
                object? actual;
                try { actual = rule.Actual(outcome.Document, rule.Match); }
                catch (ArgumentOutOfRangeException) { actual = null; }
                var passed = Compare.Same(expected, actual);
                yield return new Expectation(name, path, passed, Detail: passed ? null : $"expected «{expected}», got «{actual}»");
            }
        }
        foreach (var file in Directory.EnumerateFiles(Path.Combine(folder, "rome-modules"), "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var outcome = ParseOutcome.Of(file);
            yield return new Expectation(Path.GetRelativePath(folder, file), "parses", outcome.Document is not null, Detail: outcome.Error);
        }
    }

    /// <summary>(path without the version prefix, the value) for every text or attribute that names its own path.</summary>
    private static IEnumerable<(string Path, string Value)> SelfDescribingValues(string file)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            yield break;
        }
        foreach (var element in document.Descendants())
        {
            if (!element.HasElements && SelfPath().Match(element.Value.Trim()) is { Success: true } text) yield return (text.Groups["path"].Value, element.Value.Trim());
            foreach (var attribute in element.Attributes())
                if (SelfPath().Match(attribute.Value.Trim()) is { Success: true } value && value.Groups["path"].Value.Contains('^'))
                    yield return (value.Groups["path"].Value, attribute.Value.Trim());
        }
    }

    [GeneratedRegex(@"^(rss|atom)_[0-9.]+[A-Za-z]?\.(?<path>(channel|feed|item|entry|image|textinput|textInput|items)[^\s]*)$")]
    private static partial Regex SelfPath();
}

/// <summary>CodeHollow.FeedReader: EXPECTED_FullParseTest.tsv, one row per assertion of its full-parse test.</summary>
public sealed partial class CodeHollowSuite : IConformanceSuite
{
    public string Name => "CodeHollow";
    public string Folder => "codehollow-feedreader";

    /// <summary>Which item the upstream test calls "item" (First() unless listed): FullParseTest.cs picks these.</summary>
    private static readonly Dictionary<string, Func<FeedDocument, FeedEntry?>[]> ItemChoice = new()
    {
        ["Rss092FullSample.xml"] = [d => d.Entries.ElementAtOrDefault(20)],
        ["Rss10FeedWebResourceSample.xml"] = [d => d.Entries.LastOrDefault()],
        ["Rss10OrfAt.xml"] = [d => d.Entries.ElementAtOrDefault(4)],
        ["Rss20FeedWebResourceSample.xml"] = [d => d.Entries.LastOrDefault()],
        // The Moscow Times test checks the first item, then reassigns item to the last one.
        ["Rss20MoscowTimes.xml"] = [d => d.Entries.FirstOrDefault(), d => d.Entries.LastOrDefault()],
    };

    private static readonly Dictionary<string, Func<FeedDocument, object?>> Fields = new()
    {
        ["feed.Title"] = d => d.Title?.ToPlainText(),
        ["feed.Link"] = d => d.Link,
        ["feed.Description"] = d => d.Description?.Value,
        ["feed.Language"] = d => d.Language,
        ["feed.Copyright"] = d => d.Rights,
        ["feed.Generator"] = d => d.Generator,
        ["feed.Id"] = d => d.Id,
        ["feed.Icon"] = d => d.Icon,
        ["feed.Items.Count"] = d => d.Entries.Count,
        ["feed.LastBuildDateString"] = d => d.UpdatedText,
        ["feed.LastBuildDate"] = d => d.Updated,
        ["feed.UpdatedDateString"] = d => d.UpdatedText,
        ["feed.UpdatedDate"] = d => d.Updated,
        ["feed.PublishingDateString"] = d => d.PublishedText,
        ["feed.ManagingEditor"] = d => d.Authors.FirstOrDefault() is { } a ? a.Email is null ? a.Name : a.Name is null ? a.Email : $"{a.Email} ({a.Name})" : null,
        ["feed.Author.Name"] = d => d.Authors.FirstOrDefault()?.Name,
        ["feed.Author.Uri"] = d => d.Authors.FirstOrDefault()?.Uri,
        ["feed.Categories.First()"] = d => d.Categories.FirstOrDefault()?.Term,
        ["feed.Links.First().Href"] = d => d.Links.FirstOrDefault()?.Href,
        ["feed.Links.ElementAt(1).Href"] = d => d.Links.ElementAtOrDefault(1)?.Href,
        ["feed.Image.Url"] = d => d.ImageUrl,
        ["feed.TTL"] = d => (int?)d.UpdateHint?.Ttl?.TotalMinutes,
        ["feed.Sy.UpdatePeriod"] = d => d.UpdateHint?.SyPeriod,
        ["feed.Sy.UpdateFrequency"] = d => d.UpdateHint?.SyFrequency,
        ["feed.DC.Language"] = d => d.Language,
        ["feed.DC.Creator"] = d => d.Authors.FirstOrDefault()?.Name,
        ["feed.DC.Rights"] = d => d.Rights,
        ["item.Title"] = d => d.Entries.FirstOrDefault()?.Title?.ToPlainText(),
        ["item.Title.Trim()"] = d => d.Entries.FirstOrDefault()?.Title?.ToPlainText(),
        ["item.Link"] = d => d.Entries.FirstOrDefault()?.Link,
        ["item.Id"] = d => d.Entries.FirstOrDefault()?.Id,
        ["item.Guid"] = d => d.Entries.FirstOrDefault()?.Id,
        ["item.Description"] = d => d.Entries.FirstOrDefault()?.Summary?.Value,
        ["item.Description.Length"] = d => d.Entries.FirstOrDefault()?.Summary?.Value.Length,
        ["item.Content"] = d => d.Entries.FirstOrDefault() is { } e ? Content(e) : null,
        ["item.PublishingDateString"] = d => d.Entries.FirstOrDefault()?.PublishedText,
        ["item.PublishingDate"] = d => d.Entries.FirstOrDefault()?.Published,
        ["item.PublishedDateString"] = d => d.Entries.FirstOrDefault()?.PublishedText,
        ["item.PublishedDate"] = d => d.Entries.FirstOrDefault()?.Published,
        ["item.UpdatedDateString"] = d => d.Entries.FirstOrDefault()?.UpdatedText,
        ["item.UpdatedDate"] = d => d.Entries.FirstOrDefault()?.Updated,
        ["item.Author"] = d => d.Entries.FirstOrDefault()?.Authors.FirstOrDefault() is { } a ? a.Email is null ? a.Name : $"{a.Email} ({a.Name})".Replace(" ()", "") : null,
        ["item.Author.Name"] = d => d.Entries.FirstOrDefault()?.Authors.FirstOrDefault()?.Name,
        ["item.DC.Creator"] = d => d.Entries.FirstOrDefault()?.Authors.FirstOrDefault()?.Name,
        ["item.DC.Subject"] = d => d.Entries.FirstOrDefault()?.Categories.FirstOrDefault()?.Term,
        ["item.DC.DateString"] = d => d.Entries.FirstOrDefault()?.PublishedText,
        ["item.Comments"] = d => d.Entries.FirstOrDefault()?.Comments,
        ["item.Enclosure.Url"] = d => d.Entries.FirstOrDefault()?.Enclosures.FirstOrDefault()?.Url,
        ["item.Enclosure.MediaType"] = d => d.Entries.FirstOrDefault()?.Enclosures.FirstOrDefault()?.MediaType,
        ["item.Enclosure.Length"] = d => d.Entries.FirstOrDefault()?.Enclosures.FirstOrDefault()?.Length,
        ["item.Links.First().Relation"] = d => d.Entries.FirstOrDefault()?.Links.FirstOrDefault()?.Rel,
        ["item.About"] = d => d.Entries.FirstOrDefault()?.Id,
        ["secondItem.Source.Value"] = d => d.Entries.ElementAtOrDefault(1)?.Source?.Title,
        ["secondItem.Source.Url"] = d => d.Entries.ElementAtOrDefault(1)?.Source?.Url,
    };

    public IEnumerable<Expectation> Run(string folder)
    {
        var outcomes = new Dictionary<string, ParseOutcome>();
        var itemTitlesSeen = new Dictionary<string, int>();
        foreach (var line in File.ReadLines(Path.Combine(folder, "EXPECTED_FullParseTest.tsv")).Skip(1).Where(l => l.Length > 0))
        {
            var columns = line.Split('\t');
            var (file, expression, literal) = (columns[1], columns[2], columns[3]);
            if (!outcomes.TryGetValue(file, out var outcome))
            {
                // The folder column is relative to the corpus root: some of the files live in news-feeds/.
                outcomes[file] = outcome = ParseOutcome.Of(Path.Combine(folder, "..", "..", columns[0], file));
                yield return new Expectation(file, "parses", outcome.Document is not null, Detail: outcome.Error);
                if (outcome.Document is not null && file != "AtomBattleNet.xml")
                    yield return new Expectation(file, "feed.Link is not empty", !string.IsNullOrEmpty(outcome.Document.Link));
            }
            if (outcome.Document is null)
            {
                yield return new Expectation(file, expression, false, Detail: outcome.Error);
                continue;
            }
            if (expression == "(assert)")
            {
                yield return Assertion(file, literal, outcome.Document);
                continue;
            }
            if (!Fields.TryGetValue(expression, out var field))
            {
                yield return new Expectation(file, expression, false, Modelled: false);
                continue;
            }
            if (expression == "item.Title") itemTitlesSeen[file] = itemTitlesSeen.GetValueOrDefault(file) + 1;
            var expected = Literal(literal);
            var actual = field(Focused(outcome.Document, file, expression.StartsWith("item.", StringComparison.Ordinal) ? Math.Max(0, itemTitlesSeen.GetValueOrDefault(file) - 1) : -1));
            var passed = expected is DateTime time
                ? actual is DateTimeOffset parsed && parsed.UtcDateTime == time
                : Compare.Same(expected, actual);
            yield return new Expectation(file, expression, passed, Detail: passed ? null : $"expected «{expected}», got «{actual}»");
        }
    }

    private static Expectation Assertion(string file, string assertion, FeedDocument document)
    {
        var match = AssertionPattern().Match(assertion);
        if (!match.Success || !Fields.TryGetValue(match.Groups["field"].Value, out var field))
            return new Expectation(file, assertion, false, Modelled: false);
        var text = field(Focused(document, file, match.Groups["field"].Value.StartsWith("item.", StringComparison.Ordinal) ? 0 : -1))?.ToString() ?? "";
        var needle = (string)Literal(match.Groups["arg"].Value)!;
        var passed = match.Groups["op"].Value == "Contains" ? text.Contains(needle, StringComparison.Ordinal) : text.Trim().StartsWith(needle, StringComparison.Ordinal);
        return new Expectation(file, assertion, passed);
    }

    /// <summary>The document with the entry the upstream test calls "item" moved to the front, so item.* fields read it.</summary>
    private static FeedDocument Focused(FeedDocument document, string file, int choice)
    {
        if (choice < 0 || !ItemChoice.TryGetValue(file, out var choices)) return document;
        var item = choices[Math.Min(choice, choices.Length - 1)](document);
        if (item is null) return document;
        return new FeedDocument
        {
            Format = document.Format, Title = document.Title, Link = document.Link, Links = document.Links, Description = document.Description,
            Language = document.Language, Authors = document.Authors, Categories = document.Categories,
            Entries = [item, .. document.Entries.Where(e => e != item)],
        };
    }

    /// <summary>A C# literal as the table writes it: "text", null, a number, new DateTime(y, m, d, h, mi, s) in UTC.</summary>
    private static object? Literal(string literal)
    {
        literal = literal.Trim();
        if (literal == "null") return null;
        if (literal.StartsWith("@\"", StringComparison.Ordinal)) return literal[2..^1].Replace("\"\"", "\"");
        if (literal.StartsWith('"')) return Regex.Unescape(literal[1..^1]);
        var date = DateLiteral().Match(literal);
        if (date.Success)
        {
            var parts = date.Groups[1].Value.Split(',').Select(p => int.Parse(p.Trim(), CultureInfo.InvariantCulture)).ToArray();
            return new DateTime(parts[0], parts[1], parts[2], parts.ElementAtOrDefault(3), parts.ElementAtOrDefault(4), parts.ElementAtOrDefault(5), DateTimeKind.Utc);
        }
        return literal;
    }

    [GeneratedRegex(@"^(?<field>[\w.()]+?)(\.Trim\(\))?\.(?<op>Contains|StartsWith)\((?<arg>"".*"")\)$")]
    private static partial Regex AssertionPattern();

    [GeneratedRegex(@"^new DateTime\(([\d,\s]+)\)$")]
    private static partial Regex DateLiteral();
}
