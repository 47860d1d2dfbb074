using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Monitoring.Testing;

namespace Monitoring.FeedPoller.Tests;

/// <summary>
/// Feeds on several hosts (one local server per loopback address 127.0.0.N) that gain an article every
/// <see cref="NewItemEvery"/>, recording every request (which feed, when it started and ended) and every article link
/// served. <see cref="Freeze"/> holds every request until <see cref="Unfreeze"/>, so a test can stop a poller mid-fetch.
/// </summary>
public sealed class GrowingFeeds : IAsyncDisposable
{
    public static readonly TimeSpan NewItemEvery = TimeSpan.FromSeconds(1.5);

    public sealed record Request(string Host, string Feed, DateTimeOffset Start, DateTimeOffset End);

    private readonly List<LocalHttpServer> _servers = [];
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentDictionary<string, byte> _served = new();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly int _feedsPerHost;
    private DateTimeOffset? _stoppedGrowingAt;
    private volatile TaskCompletionSource? _frozen;

    private GrowingFeeds(int feedsPerHost) => _feedsPerHost = feedsPerHost;

    public static async Task<GrowingFeeds> StartAsync(int hosts, int feedsPerHost)
    {
        var feeds = new GrowingFeeds(feedsPerHost);
        for (var i = 1; i <= hosts; i++)
        {
            var host = $"h{i}";
            feeds._servers.Add(await LocalHttpServer.StartAsync(context => feeds.ServeAsync(context, host), $"127.0.0.{i}"));
        }
        return feeds;
    }

    /// <summary>Every feed's address, <c>http://127.0.0.N:port/fK.xml</c>.</summary>
    public IReadOnlyList<Uri> Urls => _servers.SelectMany(s => Enumerable.Range(0, _feedsPerHost).Select(k => s.Url($"f{k}.xml"))).ToList();

    public IReadOnlyList<Request> Requests => _requests.ToList();

    /// <summary>Links of every article any response carried.</summary>
    public IReadOnlySet<string> Served => _served.Keys.ToHashSet();

    public void Freeze() => _frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Unfreeze() => Interlocked.Exchange(ref _frozen, null)?.TrySetResult();

    /// <summary>From now on every feed keeps the articles it has.</summary>
    public DateTimeOffset StopGrowing() => (_stoppedGrowingAt = DateTimeOffset.UtcNow).Value;

    private async Task ServeAsync(HttpContext context, string host)
    {
        var start = DateTimeOffset.UtcNow;
        try
        {
            if (_frozen is { } frozen) await frozen.Task;
            var feed = context.Request.Path.Value!.Trim('/').Replace(".xml", "");
            var count = 1 + (int)(((_stoppedGrowingAt ?? DateTimeOffset.UtcNow) - _started) / NewItemEvery);
            var links = Enumerable.Range(0, count).Select(k => $"https://news.example/{host}/{feed}/{k}").ToList();
            var body = $"<rss version=\"2.0\"><channel><title>{host} {feed}</title><link>https://news.example/{host}/{feed}</link>" +
                string.Concat(links.Select(l => $"<item><title>Story {l}</title><link>{l}</link><description>Text of {l}.</description></item>")) +
                "</channel></rss>";
            context.Response.ContentType = "application/rss+xml; charset=utf-8";
            await context.Response.WriteAsync(body);
            foreach (var link in links) _served.TryAdd(link, 0);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the poller went away mid-request (killed): nothing was delivered
        }
        finally
        {
            _requests.Enqueue(new Request(host, context.Request.Path.Value!.Trim('/'), start, DateTimeOffset.UtcNow));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Unfreeze();
        foreach (var server in _servers) await server.DisposeAsync();
    }
}
