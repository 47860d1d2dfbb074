using System.Security.Cryptography;
using System.Text;

namespace Monitoring.FeedPoller.Registry;

/// <summary>Where a feed came from: the operator's OPML list (may be a local file) or the HTTP API (http/https only).</summary>
public enum FeedOrigin { List, Api }

/// <summary>A watched feed and its fetch state: what the poller persists so a restart resumes where it stopped.</summary>
public sealed record FeedRecord(
    string Id,
    Uri Url,
    string? Title,
    string? Language,
    FeedOrigin Origin,
    bool Paused,
    DateTimeOffset AddedAt,
    DateTimeOffset NextPollAt,
    string? ETag = null,
    string? LastModified = null,
    TimeSpan? Interval = null,
    DateTimeOffset? LastAttemptAt = null,
    DateTimeOffset? LastSuccessAt = null,
    string? LastError = null,
    int? LastStatus = null,
    int ConsecutiveFailures = 0,
    string? FeedTitle = null,
    long ArticlesPublished = 0)
{
    public const string StatusOk = "ok";
    public const string StatusFailing = "failing";
    public const string StatusPaused = "paused";
    public const string StatusPending = "pending";

    /// <summary>ok (last poll succeeded), failing (the last polls failed), paused, or pending (not polled yet).</summary>
    public string Status => Paused ? StatusPaused : ConsecutiveFailures > 0 ? StatusFailing : LastSuccessAt is null ? StatusPending : StatusOk;

    /// <summary>The source name articles carry: the operator's title, else the feed's own, else the host.</summary>
    public string SourceName => Title ?? FeedTitle ?? (Url.IsFile ? Path.GetFileNameWithoutExtension(Url.LocalPath) : Url.Host);

    /// <summary>
    /// Whom politeness is owed to: the host (requests to one host are spaced and never overlap, across replicas too);
    /// local files have no host, so each file is its own.
    /// </summary>
    public string HostKey => HostKeyFor(Url);

    public static string HostKeyFor(Uri url) => url.IsFile ? url.LocalPath : url.IdnHost.ToLowerInvariant();

    /// <summary>A short stable id derived from the address, so re-importing a list never duplicates a feed.</summary>
    public static string IdFor(Uri url) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..16];
}

/// <summary>One line of a feed's history: a poll and its outcome (with the replica that polled), or a change made through the API.</summary>
public sealed record FeedHistoryEntry(
    string FeedId,
    DateTimeOffset At,
    string Kind,
    int? HttpStatus = null,
    int? DurationMs = null,
    int NewArticles = 0,
    int UpdatedArticles = 0,
    string? Detail = null,
    DateTimeOffset? NextPollAt = null,
    string? Replica = null)
{
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Paused = "paused";
    public const string Resumed = "resumed";
    public const string PollRequested = "poll-requested";
    public const string Polled = "polled";
    public const string NotModified = "not-modified";
    public const string Failed = "failed";
}
