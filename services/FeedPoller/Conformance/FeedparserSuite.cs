using System.Globalization;
using System.Text.RegularExpressions;
using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Conformance;

/// <summary>
/// feedparser: every file states its expectation in a leading comment (<c>Expect:</c>, a Python expression over
/// feedparser's result) with optional simulated HTTP headers (<c>Header: Content-type: ...</c>). The expression is
/// evaluated over this parser's document presented under feedparser's names (see <see cref="View"/>).
/// </summary>
public sealed partial class FeedparserSuite : IConformanceSuite
{
    public string Name => "feedparser";
    public string Folder => "feedparser";

    public IEnumerable<Expectation> Run(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!(file.EndsWith(".xml", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal))) continue;
            var name = Path.GetRelativePath(folder, file);
            var bytes = File.ReadAllBytes(file);
            var header = FeedDecoding.Decode(bytes, null).Text;
            var expect = ExpectLine().Match(header);
            if (!expect.Success) continue;
            var contentType = HeaderLine().Match(header) is { Success: true } h ? h.Groups[1].Value.Trim() : null;
            var contentLanguage = LanguageLine().Match(header) is { Success: true } l ? l.Groups[1].Value.Trim() : null;
            var outcome = ParseOutcome.Of(bytes, contentType, file, contentLanguage);
            if (outcome.Crashed || outcome.Hung)
            {
                yield return new Expectation(name, expect.Groups[1].Value, false, Detail: outcome.Error);
                continue;
            }
            bool passed;
            string? detail = null;
            try
            {
                passed = PythonExpression.IsTrue(expect.Groups[1].Value.Trim(), View(outcome));
            }
            catch (PythonExpression.EvaluationException e)
            {
                passed = false;
                detail = e.Message;
            }
            // The issue's criterion for ill-formed input: reported as an error or parsed leniently (with problems noted), never a crash.
            var what = expect.Groups[1].Value.Trim();
            if (name.StartsWith("illformed", StringComparison.Ordinal))
            {
                passed = passed || outcome.Failed || outcome.Document!.Problems.Count > 0;
                what = "error or lenient parse (stated: " + what + ")";
            }
            yield return new Expectation(name, what, passed,
                Detail: passed ? null : detail ?? (outcome.Error ?? string.Join("; ", outcome.Document!.Problems)));
        }
    }

    /// <summary>The document under feedparser's result names: bozo, encoding, version, feed{...}, entries[{...}].</summary>
    public static Dictionary<string, object?> View(ParseOutcome outcome)
    {
        var document = outcome.Document;
        var encodingOverride = document?.Problems.Any(p => p.Contains("decoded as", StringComparison.Ordinal) || p.Contains("detected", StringComparison.Ordinal)) == true;
        return new Dictionary<string, object?>
        {
            ["bozo"] = document is null || document.Problems.Count > 0,
            ["bozo_exception"] = encodingOverride ? "CharacterEncodingOverride" : "other",
            ["feedparser"] = new Dictionary<string, object?> { ["CharacterEncodingOverride"] = "CharacterEncodingOverride" },
            ["encoding"] = document is null ? "" : encodingOverride && ChardetNames.TryGetValue(document.Encoding, out var detected) ? detected : document.Encoding,
            ["version"] = document is null ? "" : Version(document.Format),
            ["feed"] = document is null ? new Dictionary<string, object?>() : Feed(document),
            ["entries"] = document is null ? new List<object?>() : document.Entries.Select(Entry).Cast<object?>().ToList(),
        };
    }

    /// <summary>How chardet, the detector feedparser uses, spells the encodings it detects.</summary>
    private static readonly Dictionary<string, string> ChardetNames = new()
    {
        ["big5"] = "Big5", ["euc-jp"] = "EUC-JP", ["euc-kr"] = "EUC-KR", ["koi8-r"] = "KOI8-R", ["shift_jis"] = "SHIFT_JIS",
        ["tis-620"] = "TIS-620", ["gb18030"] = "GB18030",
    };

    /// <summary>feedparser's key aliases (FeedParserDict.keymap).</summary>
    private static readonly Dictionary<string, string[]> Aliases = new()
    {
        ["url"] = ["href"], ["guid"] = ["id"], ["date"] = ["updated"], ["date_parsed"] = ["updated_parsed"],
        ["description"] = ["summary", "subtitle"], ["description_detail"] = ["summary_detail", "subtitle_detail"],
        ["modified"] = ["updated"], ["modified_parsed"] = ["updated_parsed"], ["issued"] = ["published"], ["issued_parsed"] = ["published_parsed"],
        ["copyright"] = ["rights"], ["copyright_detail"] = ["rights_detail"], ["tagline"] = ["subtitle"], ["tagline_detail"] = ["subtitle_detail"],
        ["channel"] = ["feed"], ["items"] = ["entries"],
    };

    private static PythonExpression.AliasingDictionary Dict() => new(Aliases);

    private static Dictionary<string, object?> Feed(FeedDocument d)
    {
        var feed = Dict();
        Text(feed, "title", d.Title);
        Text(feed, "subtitle", d.Description);
        Put(feed, "link", d.Link);
        feed["links"] = d.Links.Select(Link).Cast<object?>().ToList();
        Put(feed, "language", d.Language);
        Put(feed, "id", d.Id);
        Put(feed, "generator", d.Generator);
        Put(feed, "rights", d.Rights);
        Dates(feed, "published", d.PublishedText, d.Published);
        Dates(feed, "updated", d.UpdatedText ?? (d.Format is FeedFormat.Rss20 or FeedFormat.Rss092 or FeedFormat.Rss093 or FeedFormat.Rss094 ? null : d.PublishedText), d.Updated);
        People(feed, d.Authors);
        Tags(feed, d.Categories);
        if (d.ImageUrl is not null) feed["image"] = new Dictionary<string, object?> { ["href"] = d.ImageUrl };
        return feed;
    }

    private static Dictionary<string, object?> Entry(FeedEntry e)
    {
        var entry = Dict();
        Text(entry, "title", e.Title);
        Text(entry, "summary", e.Summary ?? e.Contents.FirstOrDefault());
        if (e.Contents.Count > 0)
            entry["content"] = e.Contents.Select(c => (object?)Detail(c)).ToList();
        Put(entry, "link", e.Link);
        var links = e.Links.Select(Link).ToList();
        links.AddRange(e.Enclosures.Where(x => e.Links.All(l => l.Href != x.Url))
            .Select(x => Link(new FeedLink(x.Url, "enclosure", x.MediaType, Length: x.Length))));
        entry["links"] = links.Cast<object?>().ToList();
        Put(entry, "id", e.Id);
        Put(entry, "guid", e.Id);
        Put(entry, "language", e.Language);
        Put(entry, "comments", e.Comments);
        Dates(entry, "published", e.PublishedText, e.Published);
        Dates(entry, "updated", e.UpdatedText, e.Updated);
        People(entry, e.Authors);
        Tags(entry, e.Categories);
        entry["enclosures"] = e.Enclosures.Select(x =>
        {
            var enclosure = Dict();
            enclosure["href"] = x.Url;
            Put(enclosure, "type", x.MediaType);
            Put(enclosure, "length", x.Length?.ToString(CultureInfo.InvariantCulture));
            return (object?)enclosure;
        }).ToList();
        if (e.Source is not null)
        {
            var source = Dict();
            Put(source, "title", e.Source.Title);
            Put(source, "href", e.Source.Url);
            entry["source"] = source;
        }
        return entry;
    }

    private static void Text(Dictionary<string, object?> owner, string key, FeedText? text)
    {
        if (text is null) return;
        owner[key] = text.Value;
        owner[key + "_detail"] = Detail(text);
    }

    private static Dictionary<string, object?> Detail(FeedText text)
    {
        var detail = Dict();
        detail["value"] = text.Value;
        detail["type"] = text.Type switch { FeedTextType.Html => "text/html", FeedTextType.Xhtml => "application/xhtml+xml", _ => "text/plain" };
        Put(detail, "language", text.Language);
        Put(detail, "src", text.Src);
        return detail;
    }

    private static Dictionary<string, object?> Link(FeedLink link)
    {
        var result = Dict();
        result["rel"] = link.Rel ?? "alternate";
        result["href"] = link.Href;
        result["type"] = link.MediaType ?? (link.Rel is null or "alternate" ? "text/html" : null);
        if (result["type"] is null) result.Remove("type");
        Put(result, "title", link.Title);
        Put(result, "length", link.Length?.ToString(CultureInfo.InvariantCulture));
        return result;
    }

    private static void Dates(Dictionary<string, object?> owner, string key, string? text, DateTimeOffset? value)
    {
        Put(owner, key, text);
        if (value is not { } time) return;
        var t = time.UtcDateTime;
        // time.struct_time: year, month, day, hour, minute, second, weekday (Monday 0), day of year, isdst
        owner[key + "_parsed"] = new List<object?>
        {
            (long)t.Year, (long)t.Month, (long)t.Day, (long)t.Hour, (long)t.Minute, (long)t.Second,
            (long)(((int)t.DayOfWeek + 6) % 7), (long)t.DayOfYear, 0L,
        };
    }

    private static void People(Dictionary<string, object?> owner, IReadOnlyList<FeedPerson> people)
    {
        if (people.Count == 0) return;
        var list = people.Select(p =>
        {
            var person = Dict();
            Put(person, "name", p.Name);
            Put(person, "email", p.Email);
            Put(person, "href", p.Uri);
            return person;
        }).ToList();
        Put(owner, "author", people[0].Name ?? people[0].Email);
        owner["author_detail"] = list[0];
        owner["authors"] = list.Cast<object?>().ToList();
    }

    private static void Tags(Dictionary<string, object?> owner, IReadOnlyList<FeedCategory> categories)
    {
        if (categories.Count == 0) return;
        owner["tags"] = categories.Select(c =>
        {
            var tag = Dict();
            tag["term"] = c.Term;
            tag["scheme"] = c.Scheme;
            tag["label"] = c.Label;
            return (object?)tag;
        }).ToList();
        owner["category"] = categories[0].Term;
    }

    private static void Put(Dictionary<string, object?> owner, string key, object? value)
    {
        if (value is not null) owner[key] = value;
    }

    private static string Version(FeedFormat format) => format switch
    {
        FeedFormat.Rss090 => "rss090",
        FeedFormat.Rss091Netscape => "rss091n",
        FeedFormat.Rss091Userland => "rss091u",
        FeedFormat.Rss092 => "rss092",
        FeedFormat.Rss093 => "rss093",
        FeedFormat.Rss094 => "rss094",
        FeedFormat.Rss20 => "rss20",
        FeedFormat.Rss10 => "rss10",
        FeedFormat.RssUnversioned => "rss",
        FeedFormat.Atom03 => "atom03",
        FeedFormat.Atom10 => "atom10",
        FeedFormat.JsonFeed10 => "json1",
        _ => "json11",
    };

    [GeneratedRegex(@"Expect:\s*(.+?)\s*(?:-->|""\s*,|$)", RegexOptions.Multiline)]
    private static partial Regex ExpectLine();

    [GeneratedRegex(@"^\s*Header:\s*Content-type:\s*(.+?)\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^\s*Header:\s*Content-Language:\s*(.+?)\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex LanguageLine();
}
