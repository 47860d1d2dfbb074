using System.Buffers;
using System.Net;
using System.Security;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Monitoring.LoadTest;

/// <summary>
/// News feeds on several loopback hosts (127.0.0.2, 127.0.0.3, …: the poller's one-request-per-host rule still
/// holds) fed by an article clock: articles appear at a settable rate, round robin over the feeds, and each feed
/// shows its latest <see cref="Window"/> articles, with an ETag so unchanged feeds answer 304.
/// </summary>
public sealed class FeedServer : IAsyncDisposable
{
    public const int Window = 40;

    private readonly WebApplication _app;
    private readonly ArticleGenerator _generator;
    private readonly int _feeds;
    private readonly int _hosts;
    private readonly int _port;
    private readonly DateTimeOffset[] _appeared;
    // Each article's <item> as UTF-8, rendered once: a feed shows an article in Window polls or more, and rendering it
    // again each time (text generation, escaping, encoding) was most of the load generator's own CPU, spent on the same
    // two cores as the system it measures. A ring over the newest articles, each slot tagged with its article's number.
    private readonly RenderedItem?[] _items;
    private long _count;
    private double _rate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _clock;

    private FeedServer(WebApplication app, ArticleGenerator generator, int feeds, int hosts, int port, int capacity)
    {
        _app = app;
        _generator = generator;
        _feeds = feeds;
        _hosts = hosts;
        _port = port;
        _appeared = new DateTimeOffset[capacity];
        _items = new RenderedItem?[2 * Window * feeds];
        _clock = Task.Run(RunClockAsync);
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Articles per second from now on (0 stops new articles).</summary>
    public double Rate
    {
        get => Volatile.Read(ref _rate);
        set => Volatile.Write(ref _rate, value);
    }

    public DateTimeOffset AppearedAt(long number) => _appeared[number];

    public string Url(int feed) => $"http://127.0.0.{2 + feed % _hosts}:{_port}/feeds/{feed}";

    public static async Task<FeedServer> StartAsync(int feeds, int hosts, int seed, int capacity)
    {
        var port = Monitoring.Testing.ServiceProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Enumerable.Range(0, hosts).Select(h => $"http://127.0.0.{2 + h}:{port}").ToArray());
        var app = builder.Build();
        var server = new FeedServer(app, new ArticleGenerator(seed), feeds, hosts, port, capacity);
        app.MapGet("/feeds/{feed:int}", server.ServeAsync);
        await app.StartAsync();
        return server;
    }

    private async Task RunClockAsync()
    {
        var started = DateTimeOffset.UtcNow;
        double due = 0;
        var last = started;
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(10);
            var now = DateTimeOffset.UtcNow;
            due += (now - last).TotalSeconds * Rate;
            last = now;
            while (due >= 1 && _count < _appeared.Length)
            {
                _appeared[_count] = now;
                Interlocked.Increment(ref _count);
                due -= 1;
            }
        }
    }

    private async Task ServeAsync(HttpContext context, int feed)
    {
        var count = Count;
        if (feed < 0 || feed >= _feeds || count <= feed)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/rss+xml";
            await context.Response.WriteAsync($"<rss version=\"2.0\"><channel><title>Load feed {feed}</title><link>http://load.example/</link></channel></rss>");
            return;
        }
        var lastNumber = (count - 1 - feed) / _feeds * _feeds + feed;
        var etag = $"\"{lastNumber}\"";
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        context.Response.Headers.ETag = etag;
        context.Response.ContentType = "application/rss+xml; charset=utf-8";
        var body = context.Response.BodyWriter;
        body.Write(Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>" +
            $"<title>Load feed {feed}</title><link>http://load.example/</link>"));
        for (var number = lastNumber; number >= 0 && number > lastNumber - (long)Window * _feeds; number -= _feeds)
            body.Write(Item(number));
        body.Write("</channel></rss>"u8);
        await body.FlushAsync();
    }

    /// <summary>The article's <c>&lt;item&gt;</c>, rendered on first use.</summary>
    private byte[] Item(long number)
    {
        var slot = (int)(number % _items.Length);
        if (Volatile.Read(ref _items[slot]) is { } cached && cached.Number == number) return cached.Xml;
        var article = _generator.Article(number, _appeared[number]);
        var xml = Encoding.UTF8.GetBytes(new StringBuilder(3200)
            .Append("<item><title>").Append(SecurityElement.Escape(article.Title)).Append("</title>")
            .Append("<link>http://load.example/articles/").Append(number).Append("</link>")
            .Append("<guid>load-").Append(number).Append("</guid>")
            .Append("<pubDate>").Append(article.Published.ToString("r")).Append("</pubDate>")
            .Append("<dc:language>").Append(article.Language).Append("</dc:language>")
            .Append("<description>").Append(SecurityElement.Escape(article.Text)).Append("</description></item>")
            .ToString());
        Volatile.Write(ref _items[slot], new RenderedItem(number, xml));
        return xml;
    }

    private sealed record RenderedItem(long Number, byte[] Xml);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _clock;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
