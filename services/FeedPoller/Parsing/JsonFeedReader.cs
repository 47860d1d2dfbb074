using System.Text.Json;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>JSON Feed 1.0 and 1.1 (jsonfeed.org), including 1.0's single "author" and 1.1's "authors" and "language".</summary>
internal static class JsonFeedReader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = 64,
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static FeedDocument Read(string text, Uri? documentUri, int maxEntries, List<string> problems)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text, Options);
        }
        catch (JsonException e)
        {
            throw new FeedFormatException("feed is not valid JSON: " + e.Message, e);
        }
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FeedFormatException("JSON document is not a JSON Feed: the top level is not an object");
            var version = String(root, "version");
            var isJsonFeed = version?.Contains("jsonfeed.org", StringComparison.OrdinalIgnoreCase) == true;
            if (!isJsonFeed && !root.TryGetProperty("items", out _))
                throw new FeedFormatException("JSON document is not a JSON Feed: no version and no items");
            if (!isJsonFeed) problems.Add("JSON Feed without a jsonfeed.org version");

            var baseUri = Uri.TryCreate(String(root, "feed_url") ?? String(root, "home_page_url"), UriKind.Absolute, out var declared) ? declared
                : documentUri is { Scheme: "http" or "https" } ? documentUri : null;
            var language = String(root, "language");
            var items = root.TryGetProperty("items", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
            if (items.Count > maxEntries)
            {
                problems.Add($"feed has {items.Count} items; only the first {maxEntries} are read");
                items = items.Take(maxEntries).ToList();
            }
            var homePage = XmlFeedReading.Resolve(String(root, "home_page_url"), baseUri);
            var feedAuthors = Authors(root);
            var links = new List<FeedLink>();
            if (homePage is not null) links.Add(new FeedLink(homePage, "alternate"));
            if (XmlFeedReading.Resolve(String(root, "feed_url"), baseUri) is { } self) links.Add(new FeedLink(self, "self"));

            return new FeedDocument
            {
                Format = version?.EndsWith("1.1", StringComparison.Ordinal) == true ? FeedFormat.JsonFeed11 : FeedFormat.JsonFeed10,
                Title = String(root, "title") is { } title ? new FeedText(title, FeedTextType.Text) : null,
                Link = homePage,
                Links = links,
                Description = String(root, "description") is { } description ? new FeedText(description, FeedTextType.Text) : null,
                Language = language,
                Authors = feedAuthors,
                Icon = XmlFeedReading.Resolve(String(root, "favicon"), baseUri),
                ImageUrl = XmlFeedReading.Resolve(String(root, "icon"), baseUri),
                Entries = items.Where(i => i.ValueKind == JsonValueKind.Object).Select(i => Entry(i, baseUri, language, feedAuthors)).ToList(),
            };
        }
    }

    private static FeedEntry Entry(JsonElement item, Uri? baseUri, string? feedLanguage, List<FeedPerson> feedAuthors)
    {
        var contents = new List<FeedText>();
        if (String(item, "content_html") is { } html) contents.Add(new FeedText(html, FeedTextType.Html, MediaType: "text/html"));
        if (String(item, "content_text") is { } text) contents.Add(new FeedText(text, FeedTextType.Text, MediaType: "text/plain"));
        var url = XmlFeedReading.Resolve(String(item, "url"), baseUri);
        var external = XmlFeedReading.Resolve(String(item, "external_url"), baseUri);
        var links = new List<FeedLink>();
        if (url is not null) links.Add(new FeedLink(url, "alternate"));
        if (external is not null) links.Add(new FeedLink(external, "related"));
        var published = String(item, "date_published");
        var modified = String(item, "date_modified");

        return new FeedEntry
        {
            Id = String(item, "id"),
            Title = String(item, "title") is { } title ? new FeedText(title, FeedTextType.Text) : null,
            Link = url ?? external,
            Links = links,
            Summary = String(item, "summary") is { } summary ? new FeedText(summary, FeedTextType.Text) : null,
            Contents = contents,
            Published = FeedDates.Parse(published),
            PublishedText = published,
            Updated = FeedDates.Parse(modified),
            UpdatedText = modified,
            Authors = Authors(item) is { Count: > 0 } own ? own : feedAuthors, // items inherit the feed's authors
            Categories = item.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => new FeedCategory(t.GetString()!)).ToList()
                : [],
            Enclosures = item.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array
                ? attachments.EnumerateArray()
                    .Where(a => a.ValueKind == JsonValueKind.Object && String(a, "url") is not null)
                    .Select(a => new FeedEnclosure(XmlFeedReading.Resolve(String(a, "url"), baseUri)!, String(a, "mime_type"),
                        a.TryGetProperty("size_in_bytes", out var size) && size.TryGetInt64(out var bytes) ? bytes : null))
                    .ToList()
                : [],
            Language = String(item, "language") ?? feedLanguage,
        };
    }

    private static List<FeedPerson> Authors(JsonElement owner)
    {
        var people = new List<JsonElement>();
        if (owner.TryGetProperty("authors", out var authors) && authors.ValueKind == JsonValueKind.Array) people.AddRange(authors.EnumerateArray());
        else if (owner.TryGetProperty("author", out var author)) people.Add(author);
        return people.Where(p => p.ValueKind == JsonValueKind.Object)
            .Select(p => new FeedPerson(String(p, "name"), null, String(p, "url")))
            .Where(p => p.Name is not null || p.Uri is not null)
            .ToList();
    }

    /// <summary>A string property; numbers are accepted as strings (some feeds write numeric ids).</summary>
    private static string? String(JsonElement owner, string name)
    {
        if (!owner.TryGetProperty(name, out var value)) return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : TextRepair.Repair(text.Trim());
    }
}
