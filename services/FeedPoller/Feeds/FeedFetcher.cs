using System.Net;
using System.Net.Http.Headers;

namespace Monitoring.FeedPoller.Feeds;

public sealed record FetchResult(bool NotModified, byte[] Body, string? ETag, DateTimeOffset? LastModified);

/// <summary>Fetches a feed over http(s) (conditional GET, size limit) or from a file:// path of the operator's list.</summary>
public sealed class FeedFetcher(HttpClient http)
{
    public const string HttpClientName = "feeds";
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    public async Task<FetchResult> FetchAsync(Uri url, string? etag, DateTimeOffset? lastModified, CancellationToken ct)
    {
        if (url.IsFile)
        {
            var info = new FileInfo(url.LocalPath);
            if (!info.Exists) throw new FileNotFoundException($"feed file {url.LocalPath} does not exist");
            if (info.Length > MaxBodyBytes) throw new InvalidDataException($"feed file is larger than {MaxBodyBytes} bytes");
            var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            if (lastModified == modified) return new FetchResult(true, [], null, modified);
            return new FetchResult(false, await File.ReadAllBytesAsync(url.LocalPath, ct), null, modified);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (etag is not null && EntityTagHeaderValue.TryParse(etag, out var tag)) request.Headers.IfNoneMatch.Add(tag);
        if (lastModified is not null) request.Headers.IfModifiedSince = lastModified;
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotModified) return new FetchResult(true, [], etag, lastModified);
        response.EnsureSuccessStatusCode();

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) throw new InvalidDataException($"feed body is larger than {MaxBodyBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return new FetchResult(false, buffer.ToArray(), response.Headers.ETag?.ToString(), response.Content.Headers.LastModified);
    }
}
