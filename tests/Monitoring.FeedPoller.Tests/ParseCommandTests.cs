using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Parsing;
using Monitoring.Testing;

namespace Monitoring.FeedPoller.Tests;

public sealed class ParseCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("parse").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Parse_prints_the_feed_as_json_with_the_contract_fields()
    {
        var path = Path.Combine(_folder, "f.xml");
        await File.WriteAllTextAsync(path, """
            <rss><channel><title>T</title><link>https://t.example/</link><language>en</language>
            <item><title>A</title><link>https://t.example/a</link><pubDate>Fri, 01 Nov 2024 09:30:00 GMT</pubDate><description>x</description></item>
            </channel></rss>
            """);
        var output = new StringWriter();
        var exit = await ParseCommand.RunAsync([path], output, new StringWriter());
        Assert.Equal(0, exit);
        var root = JsonDocument.Parse(output.ToString()).RootElement;
        Assert.Equal("T", root.GetProperty("title").GetString());
        Assert.Equal("https://t.example/", root.GetProperty("link").GetString());
        Assert.Equal("en", root.GetProperty("language").GetString());
        var item = root.GetProperty("items")[0];
        foreach (var field in new[] { "id", "title", "link", "published", "text", "language" })
            Assert.True(item.TryGetProperty(field, out _), $"item has '{field}'");
    }

    [Fact]
    public async Task Parse_of_a_malformed_feed_exits_1_with_one_line_on_stderr()
    {
        var path = Path.Combine(_folder, "bad.xml");
        await File.WriteAllTextAsync(path, "<rss><channel><item>");
        var error = new StringWriter();
        Assert.Equal(1, await ParseCommand.RunAsync([path], new StringWriter(), error));
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("parse: feed is not well-formed XML", error.ToString());
    }

    [Fact]
    public async Task Parse_of_a_missing_file_exits_1()
    {
        var error = new StringWriter();
        Assert.Equal(1, await ParseCommand.RunAsync([Path.Combine(_folder, "none.xml")], new StringWriter(), error));
        Assert.Contains("does not exist", error.ToString());
    }

    [Fact]
    public async Task Parse_of_a_url_applies_the_pollers_address_policy()
    {
        await using var server = await LocalHttpServer.StartAsync(context =>
            context.Response.WriteAsync("<rss><channel><title>Local</title><item><title>A</title><link>https://l.example/a</link></item></channel></rss>"));
        var url = server.Url("feed.xml").ToString();

        var refused = new StringWriter();
        Assert.Equal(1, await ParseCommand.RunAsync([url], new StringWriter(), refused, policy: AddressPolicy.PublicOnly));
        Assert.Contains("MONITORING_ALLOW_PRIVATE_FEEDS", refused.ToString());
        Assert.Equal(0, server.RequestCount);

        var output = new StringWriter();
        Assert.Equal(0, await ParseCommand.RunAsync([url], output, new StringWriter(), policy: AddressPolicy.AllowAll));
        Assert.Equal("Local", JsonDocument.Parse(output.ToString()).RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Parse_of_an_oversized_url_body_stops_at_the_limit()
    {
        await using var server = await LocalHttpServer.StartAsync(async context =>
        {
            var chunk = new byte[64 * 1024];
            while (!context.RequestAborted.IsCancellationRequested) await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        });
        var error = new StringWriter();
        var limits = FetchLimits.Default with { MaxBodyBytes = 512 * 1024 };
        Assert.Equal(1, await ParseCommand.RunAsync([server.Url("feed.xml").ToString()], new StringWriter(), error, limits, AddressPolicy.AllowAll));
        Assert.StartsWith("parse: body is larger than", error.ToString());
    }
}
