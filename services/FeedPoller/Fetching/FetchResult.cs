namespace Monitoring.FeedPoller.Fetching;

/// <summary>What one fetch may cost: bytes on the wire, bytes after decompression, time, redirects.</summary>
public sealed record FetchLimits
{
    public long MaxBodyBytes { get; init; } = 8L * 1024 * 1024;
    public long MaxDecompressedBytes { get; init; } = 32L * 1024 * 1024;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Longest silence while reading the body: a server that stops sending is cut off.</summary>
    public TimeSpan ReadIdleTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>The whole fetch, redirects included: a server that trickles bytes forever is cut off.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public int MaxRedirects { get; init; } = 5;

    public static readonly FetchLimits Default = new();
}

/// <summary>Caching advice from the server, used to schedule the next poll.</summary>
public sealed record CacheHints(TimeSpan? MaxAge, DateTimeOffset? Expires, TimeSpan? RetryAfter)
{
    public static readonly CacheHints None = new(null, null, null);
}

public enum FetchOutcome { Fetched, NotModified }

/// <summary>A successful fetch: the body (already decompressed) or "not modified", with what to send next time.</summary>
public sealed record FetchResult(
    FetchOutcome Outcome,
    byte[] Body,
    string? ContentType,
    Uri FinalUrl,
    int StatusCode,
    string? ETag,
    string? LastModified,
    CacheHints Cache,
    Uri? PermanentRedirect = null,
    string? ContentLanguage = null);

public enum FetchFailure { Refused, Network, Timeout, TooLarge, Http, RateLimited, Redirects, Decoding }

/// <summary>A fetch that failed, with a one-line reason fit for the feed's health and the <c>parse</c> command.</summary>
public sealed class FetchException(FetchFailure failure, string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public FetchFailure Failure { get; } = failure;
    public int? StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
