using System.Text.Json;
using Monitoring.FeedPoller.Articles;
using Monitoring.FeedPoller.Fetching;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>
/// <c>parse FILE_OR_URL</c>: prints the parsed feed as JSON (<c>title, link, language, items: id, title, link, published,
/// text, language</c>), or exits 1 with a one-line error on stderr. A URL is fetched exactly as the poller fetches it:
/// same address policy (<c>MONITORING_ALLOW_PRIVATE_FEEDS</c>), size, time and redirect limits.
/// </summary>
public static class ParseCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, FetchLimits? limits = null, AddressPolicy? policy = null)
    {
        if (args.Length != 1)
        {
            await error.WriteLineAsync("usage: parse FILE_OR_URL");
            return 2;
        }
        limits ??= FetchLimits.Default;
        policy ??= Environment.GetEnvironmentVariable("MONITORING_ALLOW_PRIVATE_FEEDS") == "1" ? AddressPolicy.AllowAll : AddressPolicy.PublicOnly;
        try
        {
            var target = args[0];
            var uri = Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is not "file" && !target.StartsWith('/')
                ? absolute
                : new Uri(Path.GetFullPath(target.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(target).LocalPath : target));
            using var http = GuardedConnections.CreateClient(policy, limits);
            var fetched = await new FeedFetcher(http, limits, FeedFetcher.DefaultUserAgent).FetchAsync(uri, null, null, allowFile: true, CancellationToken.None);
            var feed = FeedParser.Parse(fetched.Body, fetched.ContentType, fetched.FinalUrl, contentLanguage: fetched.ContentLanguage);
            await output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                title = feed.Title?.ToPlainText(),
                link = feed.Link,
                language = feed.Language,
                items = feed.Entries.Select(entry => (Entry: entry, Draft: ArticleDraft.From(entry, feed.Language))).Select(x => new
                {
                    id = x.Draft?.Id,
                    title = x.Draft?.Title ?? "",
                    link = x.Entry.Link,
                    published = x.Draft?.PublishedAt,
                    text = x.Draft?.Text ?? "",
                    language = x.Entry.Language ?? feed.Language,
                }),
            }, Json));
            return 0;
        }
        catch (Exception e) when (e is FeedFormatException or FetchException or IOException or UriFormatException
                                       or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await error.WriteLineAsync("parse: " + e.Message.ReplaceLineEndings(" "));
            return 1;
        }
    }
}
