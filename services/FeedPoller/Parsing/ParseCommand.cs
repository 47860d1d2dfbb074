using System.Text.Json;
using Monitoring.FeedPoller.Feeds;

namespace Monitoring.FeedPoller.Parsing;

/// <summary><c>parse FILE_OR_URL</c>: prints the parsed feed as JSON, or exits 1 with a one-line error on stderr.</summary>
public static class ParseCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length != 1)
        {
            await error.WriteLineAsync("usage: parse FILE_OR_URL");
            return 2;
        }
        try
        {
            var target = args[0];
            var uri = Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "file"
                ? absolute
                : new Uri(Path.GetFullPath(target));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.UserAgent.ParseAdd(FeedPollerModule.UserAgent);
            var fetched = await new FeedFetcher(http).FetchAsync(uri, null, null, CancellationToken.None);
            using var body = new MemoryStream(fetched.Body);
            var feed = FeedParser.Parse(body, uri);
            await output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                title = feed.Title,
                link = feed.Link,
                language = feed.Language,
                items = feed.Items.Select(i => new
                {
                    id = ArticleIdentity.For(i.Link, i.Guid, i.Title, i.Text),
                    title = i.Title,
                    link = i.Link,
                    published = i.Published,
                    text = i.Text,
                    language = i.Language,
                }),
            }, Json));
            return 0;
        }
        catch (Exception e) when (e is FeedFormatException or IOException or HttpRequestException or UriFormatException
                                       or InvalidDataException or TaskCanceledException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("parse: " + e.Message.ReplaceLineEndings(" "));
            return 1;
        }
    }
}
