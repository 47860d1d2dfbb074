using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace Monitoring.FeedPoller.Fetching;

/// <summary>
/// Fetches one feed politely and defensively: conditional GET (ETag, Last-Modified), gzip/deflate/brotli,
/// a descriptive User-Agent; http and https only, redirects followed by hand (each hop's scheme checked,
/// loops and chains longer than the limit refused); body size, decompressed size, idle and total time bounded.
/// file:// is read only when the caller says the address came from the operator (the OPML list or the command line).
/// </summary>
public sealed class FeedFetcher(HttpClient http, FetchLimits limits, string userAgent)
{
    public const string DefaultUserAgent =
        "Monitoring-FeedPoller/1.0 (security news monitoring; polite: conditional GET, adaptive interval, one request per host at a time)";

    private const string Accept =
        "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

    public FetchLimits Limits => limits;

    public async Task<FetchResult> FetchAsync(Uri url, string? etag, string? lastModified, bool allowFile, CancellationToken ct)
    {
        if (url.IsFile)
        {
            if (!allowFile) throw new FetchException(FetchFailure.Refused, "file:// feeds are accepted only from the operator's feed list");
            return await ReadFileAsync(url, lastModified, ct);
        }
        if (url.Scheme is not ("http" or "https"))
            throw new FetchException(FetchFailure.Refused, $"'{url.Scheme}:' feeds are refused: only http, https (and file from the operator's list)");

        using var total = CancellationTokenSource.CreateLinkedTokenSource(ct);
        total.CancelAfter(limits.TotalTimeout);
        try
        {
            return await FollowAsync(url, etag, lastModified, total.Token);
        }
        catch (IdleTimeoutException e)
        {
            throw new FetchException(FetchFailure.Timeout, $"timed out: the server sent nothing for {limits.ReadIdleTimeout.TotalSeconds:0} s", inner: e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            var message = e.InnerException is TimeoutException && !total.IsCancellationRequested
                ? $"timed out: no connection within {limits.ConnectTimeout.TotalSeconds:0} s"
                : $"timed out: the fetch took longer than {limits.TotalTimeout.TotalSeconds:0} s";
            throw new FetchException(FetchFailure.Timeout, message, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw Explain(e);
        }
    }

    private async Task<FetchResult> FollowAsync(Uri url, string? etag, string? lastModified, CancellationToken ct)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };
        Uri? permanent = null;
        var allPermanent = true;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            request.Headers.TryAddWithoutValidation("Accept", Accept);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, deflate, br");
            if (!string.IsNullOrEmpty(etag)) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            if (!string.IsNullOrEmpty(lastModified)) request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (next.Scheme is not ("http" or "https"))
                    throw new FetchException(FetchFailure.Redirects, $"redirect to '{next.Scheme}:' refused: only http and https are followed", status);
                if (!visited.Add(next.AbsoluteUri))
                    throw new FetchException(FetchFailure.Redirects, $"redirect loop: {next} was already visited", status);
                if (hop + 1 > limits.MaxRedirects)
                    throw new FetchException(FetchFailure.Redirects, $"too many redirects (more than {limits.MaxRedirects})", status);
                allPermanent &= status is 301 or 308;
                if (allPermanent) permanent = next;
                url = next;
                continue;
            }

            var cache = Hints(response);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return new FetchResult(FetchOutcome.NotModified, [], null, url, status,
                    response.Headers.ETag?.ToString() ?? etag, Header(response, "Last-Modified") ?? lastModified, cache, permanent);
            }
            if (status is 429 or 503)
            {
                var wait = cache.RetryAfter is { } after ? $"; retry after {after.TotalSeconds:0} s" : "";
                throw new FetchException(FetchFailure.RateLimited, $"HTTP {status} {response.ReasonPhrase}{wait}", status, cache.RetryAfter);
            }
            if (!response.IsSuccessStatusCode)
                throw new FetchException(FetchFailure.Http, $"HTTP {status} {response.ReasonPhrase}", status);

            var body = await ReadBodyAsync(response, ct);
            return new FetchResult(FetchOutcome.Fetched, body, response.Content.Headers.ContentType?.ToString(), url, status,
                response.Headers.ETag?.ToString(), Header(response, "Last-Modified"), cache, permanent,
                response.Content.Headers.ContentLanguage.FirstOrDefault());
        }
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > limits.MaxBodyBytes)
            throw new FetchException(FetchFailure.TooLarge, $"body is larger than {limits.MaxBodyBytes} bytes (Content-Length {response.Content.Headers.ContentLength})");

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var wire = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            idle.CancelAfter(limits.ReadIdleTimeout);
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, idle.Token);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new IdleTimeoutException(e);
            }
            if (read == 0) break;
            if (wire.Length + read > limits.MaxBodyBytes)
                throw new FetchException(FetchFailure.TooLarge, $"body is larger than {limits.MaxBodyBytes} bytes");
            wire.Write(buffer, 0, read);
        }
        return Decompress(wire.ToArray(), response.Content.Headers.ContentEncoding);
    }

    /// <summary>Undoes each content coding in reverse order, never producing more than the decompressed limit.</summary>
    private byte[] Decompress(byte[] body, ICollection<string> encodings)
    {
        foreach (var encoding in encodings.Reverse())
        {
            var coding = encoding.Trim().ToLowerInvariant();
            if (coding is "identity" or "") continue;
            using var input = new MemoryStream(body);
            using Stream decoder = coding switch
            {
                "gzip" or "x-gzip" => new GZipStream(input, CompressionMode.Decompress),
                "br" => new BrotliStream(input, CompressionMode.Decompress),
                // "deflate" is meant to be zlib-wrapped, but some servers send a raw deflate stream.
                "deflate" => body is [var cmf, var flg, ..] && (cmf & 0x0F) == 8 && ((cmf << 8) | flg) % 31 == 0
                    ? new ZLibStream(input, CompressionMode.Decompress)
                    : new DeflateStream(input, CompressionMode.Decompress),
                _ => throw new FetchException(FetchFailure.Decoding, $"unsupported Content-Encoding '{encoding}'"),
            };
            using var output = new MemoryStream();
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = decoder.Read(buffer)) > 0)
                {
                    if (output.Length + read > limits.MaxDecompressedBytes)
                        throw new FetchException(FetchFailure.TooLarge, $"decompressed body is larger than {limits.MaxDecompressedBytes} bytes ({coding})");
                    output.Write(buffer, 0, read);
                }
            }
            catch (InvalidDataException e)
            {
                throw new FetchException(FetchFailure.Decoding, $"body is not valid {coding}: {e.Message}", inner: e);
            }
            body = output.ToArray();
        }
        if (body.LongLength > limits.MaxDecompressedBytes)
            throw new FetchException(FetchFailure.TooLarge, $"body is larger than {limits.MaxDecompressedBytes} bytes");
        return body;
    }

    private async Task<FetchResult> ReadFileAsync(Uri url, string? lastModified, CancellationToken ct)
    {
        var info = new FileInfo(url.LocalPath);
        if (!info.Exists) throw new FetchException(FetchFailure.Network, $"feed file {url.LocalPath} does not exist");
        if (info.Length > limits.MaxDecompressedBytes)
            throw new FetchException(FetchFailure.TooLarge, $"feed file is larger than {limits.MaxDecompressedBytes} bytes");
        // The file's modification time and size stand in for Last-Modified.
        var version = $"{info.LastWriteTimeUtc.Ticks}:{info.Length}";
        if (version == lastModified) return new FetchResult(FetchOutcome.NotModified, [], null, url, 304, null, version, CacheHints.None);
        var body = await File.ReadAllBytesAsync(url.LocalPath, ct);
        return new FetchResult(FetchOutcome.Fetched, body, null, url, 200, null, version, CacheHints.None);
    }

    private static CacheHints Hints(HttpResponseMessage response)
    {
        var maxAge = response.Headers.CacheControl?.MaxAge ?? response.Headers.CacheControl?.SharedMaxAge;
        var expires = response.Content.Headers.Expires;
        TimeSpan? retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => RetryAfterFromText(Header(response, "Retry-After")),
        };
        if (retryAfter < TimeSpan.Zero) retryAfter = TimeSpan.Zero;
        return new CacheHints(maxAge, expires, retryAfter);
    }

    private static TimeSpan? RetryAfterFromText(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private static FetchException Explain(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AddressRefusedException refused) return new FetchException(FetchFailure.Refused, refused.Message, inner: e);
            if (inner is FetchException fetch) return fetch;
        }
        var reason = e.InnerException is { } cause && !e.Message.Contains(cause.Message, StringComparison.Ordinal) ? $"{e.Message} ({cause.Message})" : e.Message;
        return new FetchException(FetchFailure.Network, reason.ReplaceLineEndings(" "), inner: e);
    }

    private sealed class IdleTimeoutException(Exception inner) : OperationCanceledException("read idle timeout", inner);
}
