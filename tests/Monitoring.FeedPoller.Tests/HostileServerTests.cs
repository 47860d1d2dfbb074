using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Parsing;
using Monitoring.Testing;

namespace Monitoring.FeedPoller.Tests;

/// <summary>
/// The fetcher against real local servers that misbehave on purpose: every one must end in a clear
/// <see cref="FetchException"/> within the limits, never a hang, an exhausted memory or a request where it must not go.
/// </summary>
public sealed class HostileServerTests
{
    private const string Rss = "<rss version=\"2.0\"><channel><title>T</title><item><title>A</title><link>https://x.example/a</link></item></channel></rss>";

    /// <summary>Small limits, so each test is over in about a second.</summary>
    private static readonly FetchLimits Tight = new()
    {
        MaxBodyBytes = 256 * 1024,
        MaxDecompressedBytes = 1024 * 1024,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReadIdleTimeout = TimeSpan.FromSeconds(1),
        TotalTimeout = TimeSpan.FromSeconds(3),
        MaxRedirects = 5,
    };

    /// <summary>Only 127.0.0.1, where the test servers listen, is allowed; everything else private (127.0.0.2 ...) is not.</summary>
    private static readonly AddressPolicy OnlyTestServer = new(false, new HashSet<IPAddress> { IPAddress.Loopback });

    private static async Task<FetchResult> FetchAsync(Uri url, AddressPolicy? policy = null, string? etag = null, FetchLimits? limits = null)
    {
        using var http = GuardedConnections.CreateClient(policy ?? OnlyTestServer, limits ?? Tight);
        return await new FeedFetcher(http, limits ?? Tight, FeedFetcher.DefaultUserAgent).FetchAsync(url, etag, null, allowFile: false, CancellationToken.None);
    }

    [Fact]
    public async Task A_gzip_bomb_is_cut_off_at_the_decompressed_size_limit()
    {
        var bomb = new MemoryStream();
        await using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 64; i++) gzip.Write(zeros); // 64 MiB of zeros, about 64 KiB compressed
        }
        var body = bomb.ToArray();
        Assert.True(body.Length < Tight.MaxBodyBytes, "the bomb itself fits the wire limit");
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentType = "application/rss+xml";
            await context.Response.Body.WriteAsync(body);
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
        Assert.Equal(FetchFailure.TooLarge, error.Failure);
        Assert.Contains("decompressed", error.Message);
    }

    [Fact]
    public async Task An_endless_body_is_cut_off_at_the_body_size_limit()
    {
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('x', 16 * 1024));
            while (!context.RequestAborted.IsCancellationRequested) await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
        Assert.Equal(FetchFailure.TooLarge, error.Failure);
    }

    [Fact]
    public async Task A_body_larger_than_the_limit_by_its_content_length_is_refused_before_reading()
    {
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            context.Response.ContentLength = 10L * 1024 * 1024;
            await context.Response.Body.WriteAsync(new byte[1024]);
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { });
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
        Assert.Equal(FetchFailure.TooLarge, error.Failure);
        Assert.Contains("Content-Length", error.Message);
    }

    [Fact]
    public async Task A_server_trickling_bytes_forever_is_cut_off_by_the_total_timeout()
    {
        using var server = RawServer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n<rss>"), ct);
            while (!ct.IsCancellationRequested)
            {
                await stream.WriteAsync("x"u8.ToArray(), ct);
                await Task.Delay(200, ct);
            }
        });

        var started = DateTime.UtcNow;
        // The idle limit is set far above the total one: every byte arrives in time, only the total limit can stop it.
        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url, limits: Tight with { ReadIdleTimeout = TimeSpan.FromSeconds(30) }));
        Assert.Equal(FetchFailure.Timeout, error.Failure);
        Assert.Contains("longer than 3 s", error.Message);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_server_that_stops_sending_mid_body_is_cut_off_by_the_idle_timeout()
    {
        using var server = RawServer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n<rss>"), ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url));
        Assert.Equal(FetchFailure.Timeout, error.Failure);
        Assert.Contains("sent nothing for 1 s", error.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_cut_off_by_the_total_timeout()
    {
        using var server = RawServer.Start(async (_, ct) => await Task.Delay(Timeout.Infinite, ct));
        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url));
        Assert.Equal(FetchFailure.Timeout, error.Failure);
    }

    [Fact]
    public async Task A_redirect_loop_is_detected()
    {
        await using var server = await LocalHttpServer.StartAsync(context =>
        {
            context.Response.Redirect(context.Request.Path == "/a" ? "/b" : "/a");
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("a")));
        Assert.Equal(FetchFailure.Redirects, error.Failure);
        Assert.Contains("redirect loop", error.Message);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task A_redirect_chain_longer_than_the_limit_is_refused()
    {
        await using var server = await LocalHttpServer.StartAsync(context =>
        {
            var hop = int.Parse(context.Request.Path.Value!.Trim('/'));
            context.Response.Redirect($"/{hop + 1}");
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("0")));
        Assert.Contains("too many redirects", error.Message);
        Assert.Equal(Tight.MaxRedirects + 1, server.RequestCount);
    }

    [Fact]
    public async Task A_redirect_to_a_private_address_is_refused_at_connect_time()
    {
        var privateTarget = RawServer.Start(async (stream, ct) => await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), ct),
            IPAddress.Parse("127.0.0.2"));
        using (privateTarget)
        {
            await using var server = await LocalHttpServer.StartAsync(context =>
            {
                context.Response.Redirect(privateTarget.Url.ToString());
                return Task.CompletedTask;
            });

            var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
            Assert.Equal(FetchFailure.Refused, error.Failure);
            Assert.Contains("127.0.0.2", error.Message);
            Assert.Equal(0, privateTarget.Connections);
        }
    }

    [Fact]
    public async Task A_host_name_resolving_to_loopback_is_refused_without_connecting()
    {
        await using var server = await LocalHttpServer.StartAsync(context => context.Response.WriteAsync(Rss));
        var byName = new UriBuilder(server.Url("feed.xml")) { Host = "localhost" }.Uri;

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(byName, AddressPolicy.PublicOnly));
        Assert.Equal(FetchFailure.Refused, error.Failure);
        Assert.Contains("MONITORING_ALLOW_PRIVATE_FEEDS", error.Message);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task A_redirect_to_a_file_url_is_refused()
    {
        await using var server = await LocalHttpServer.StartAsync(context =>
        {
            context.Response.Redirect("file:///etc/passwd");
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
        Assert.Equal(FetchFailure.Redirects, error.Failure);
        Assert.Contains("'file:'", error.Message);
    }

    [Fact]
    public async Task Too_many_requests_with_retry_after_reports_the_wait()
    {
        await using var server = await LocalHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
        Assert.Equal(FetchFailure.RateLimited, error.Failure);
        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.Equal(429, error.StatusCode);
    }

    [Fact]
    public async Task Service_unavailable_with_an_http_date_retry_after_reports_the_wait()
    {
        await using var server = await LocalHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = DateTimeOffset.UtcNow.AddMinutes(10).ToString("r");
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<FetchException>(() => FetchAsync(server.Url("feed.xml")));
        Assert.Equal(FetchFailure.RateLimited, error.Failure);
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10.1));
    }

    [Fact]
    public async Task A_conditional_get_sends_the_etag_and_a_304_is_not_modified()
    {
        string? seenIfNoneMatch = null;
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            seenIfNoneMatch = context.Request.Headers.IfNoneMatch;
            if (seenIfNoneMatch == "\"v1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }
            context.Response.Headers.ETag = "\"v1\"";
            context.Response.Headers.LastModified = "Fri, 01 Nov 2024 09:30:00 GMT";
            context.Response.Headers.CacheControl = "max-age=600";
            await context.Response.WriteAsync(Rss);
        });

        var first = await FetchAsync(server.Url("feed.xml"));
        Assert.Equal(FetchOutcome.Fetched, first.Outcome);
        Assert.Equal("\"v1\"", first.ETag);
        Assert.Equal("Fri, 01 Nov 2024 09:30:00 GMT", first.LastModified);
        Assert.Equal(TimeSpan.FromMinutes(10), first.Cache.MaxAge);

        var second = await FetchAsync(server.Url("feed.xml"), etag: first.ETag);
        Assert.Equal(FetchOutcome.NotModified, second.Outcome);
        Assert.Equal("\"v1\"", seenIfNoneMatch);
        Assert.Empty(second.Body);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task Compressed_bodies_are_decompressed(string coding)
    {
        var compressed = new MemoryStream();
        await using (Stream encoder = coding switch
                     {
                         "gzip" => new GZipStream(compressed, CompressionLevel.Fastest, true),
                         "deflate" => new ZLibStream(compressed, CompressionLevel.Fastest, true),
                         _ => new BrotliStream(compressed, CompressionLevel.Fastest, true),
                     })
        {
            await encoder.WriteAsync(Encoding.UTF8.GetBytes(Rss));
        }
        string? acceptEncoding = null;
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            acceptEncoding = context.Request.Headers.AcceptEncoding;
            context.Response.Headers.ContentEncoding = coding;
            await context.Response.Body.WriteAsync(compressed.ToArray());
        });

        var result = await FetchAsync(server.Url("feed.xml"));
        Assert.Equal("A", FeedParser.Parse(result.Body).Entries[0].Title!.ToPlainText());
        Assert.Contains(coding, acceptEncoding);
    }

    [Fact]
    public async Task Requests_carry_a_descriptive_user_agent()
    {
        string? userAgent = null;
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            userAgent = context.Request.Headers.UserAgent;
            await context.Response.WriteAsync(Rss);
        });
        await FetchAsync(server.Url("feed.xml"));
        Assert.StartsWith("Monitoring-FeedPoller/", userAgent);
    }

    [Fact]
    public async Task Xxe_and_entity_bombs_served_over_http_fail_with_a_clear_error_and_no_file_contents()
    {
        const string xxe = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]><rss><channel><title>&xxe;</title></channel></rss>";
        const string bomb = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><rss><channel><title>&c;</title></channel></rss>";
        await using var server = await LocalHttpServer.StartAsync(context => context.Response.WriteAsync(context.Request.Path == "/xxe" ? xxe : bomb));

        foreach (var path in new[] { "xxe", "bomb" })
        {
            var fetched = await FetchAsync(server.Url(path));
            var error = Assert.Throws<FeedFormatException>(() => FeedParser.Parse(fetched.Body, fetched.ContentType, fetched.FinalUrl));
            Assert.Contains("DTD", error.Message);
            Assert.DoesNotContain(File.ReadAllText("/etc/hostname").Trim(), error.Message);
        }
    }

    [Fact]
    public async Task Only_http_and_https_are_fetched_and_files_only_when_the_operator_named_them()
    {
        using var http = GuardedConnections.CreateClient(OnlyTestServer, Tight);
        var fetcher = new FeedFetcher(http, Tight, FeedFetcher.DefaultUserAgent);
        var file = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(new Uri("file:///etc/hostname"), null, null, allowFile: false, CancellationToken.None));
        Assert.Contains("operator's feed list", file.Message);
        var ftp = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(new Uri("ftp://127.0.0.1/feed"), null, null, allowFile: true, CancellationToken.None));
        Assert.Equal(FetchFailure.Refused, ftp.Failure);
    }

    /// <summary>A bare TCP server for answers Kestrel will not give: stalled or trickled bodies after the headers.</summary>
    private sealed class RawServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        private RawServer(TcpListener listener) => _listener = listener;

        public Uri Url => new($"http://{((IPEndPoint)_listener.LocalEndpoint).Address}:{((IPEndPoint)_listener.LocalEndpoint).Port}/feed.xml");

        public int Connections => _connections;

        public static RawServer Start(Func<NetworkStream, CancellationToken, Task> answer, IPAddress? address = null)
        {
            var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
            listener.Start();
            var server = new RawServer(listener);
            _ = Task.Run(async () =>
            {
                while (!server._stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await listener.AcceptTcpClientAsync(server._stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    Interlocked.Increment(ref server._connections);
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            try
                            {
                                var stream = client.GetStream();
                                var request = new byte[8192];
                                _ = await stream.ReadAsync(request, server._stop.Token);
                                await answer(stream, server._stop.Token);
                            }
                            catch (Exception)
                            {
                                // the client hung up, or the test is over
                            }
                        }
                    });
                }
            });
            return server;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
