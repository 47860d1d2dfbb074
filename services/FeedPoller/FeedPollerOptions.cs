using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Scheduling;

namespace Monitoring.FeedPoller;

/// <summary>The poller's settings, read once from the environment (names as in the README).</summary>
public sealed record FeedPollerOptions
{
    public required string FeedsFile { get; init; }
    public string Schema { get; init; } = "feedpoller";
    public bool AllowPrivateFeeds { get; init; }
    public PollBounds Bounds { get; init; } = PollBounds.Default;
    /// <summary>Least time between the end of one request to a host and the start of the next.</summary>
    public TimeSpan HostSpacing { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Polls in flight at once, over all hosts (each host still gets one at a time).</summary>
    public int Concurrency { get; init; } = 32;
    public FetchLimits Limits { get; init; } = FetchLimits.Default;
    public string UserAgent { get; init; } = FeedFetcher.DefaultUserAgent;
    public TimeSpan HistoryRetention { get; init; } = TimeSpan.FromDays(30);
    public TimeSpan EntryRetention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>This process's name in leases and feed history: the host name (a pod's name on Kubernetes), process id and a random suffix.</summary>
    public string Replica { get; init; } = DefaultReplica();

    /// <summary>
    /// How long a replica's claim on a due feed lasts without renewal (renewed every third of it while the replica lives):
    /// the longest a dead replica's feeds wait before another replica takes them over.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Least time between two health messages of one feed whose status did not change (a change of status, an error or
    /// a removal goes at once): every poll changes a feed's times, and a message per poll was a tenth of the bus traffic
    /// under load, for a panel that shows minutes.
    /// </summary>
    public TimeSpan HealthInterval { get; init; } = DefaultHealthInterval;

    public static readonly TimeSpan DefaultHealthInterval = TimeSpan.FromSeconds(10);

    public AddressPolicy AddressPolicy => AllowPrivateFeeds ? AddressPolicy.AllowAll : AddressPolicy.PublicOnly;

    public static FeedPollerOptions From(IConfiguration configuration, IHostEnvironment environment)
    {
        var feedsFile = configuration["MONITORING_FEEDS_FILE"];
        if (string.IsNullOrWhiteSpace(feedsFile)) feedsFile = DefaultFeedsFile(environment.ContentRootPath);
        var min = Seconds(configuration, "MONITORING_POLL_MIN_SECONDS") ?? PollBounds.Default.Min;
        var max = Seconds(configuration, "MONITORING_POLL_MAX_SECONDS") ?? (min > PollBounds.Default.Max ? min : PollBounds.Default.Max);
        if (max < min) throw new InvalidOperationException($"MONITORING_POLL_MAX_SECONDS ({max.TotalSeconds}) is below MONITORING_POLL_MIN_SECONDS ({min.TotalSeconds})");
        var defaults = FetchLimits.Default;
        return new FeedPollerOptions
        {
            FeedsFile = Path.GetFullPath(feedsFile),
            Schema = configuration["MONITORING_FEEDPOLLER_SCHEMA"] is { Length: > 0 } schema ? schema : "feedpoller",
            AllowPrivateFeeds = configuration["MONITORING_ALLOW_PRIVATE_FEEDS"] == "1",
            Bounds = new PollBounds(min, max),
            HostSpacing = MilliSeconds(configuration, "MONITORING_HOST_SPACING_MS") ?? TimeSpan.FromSeconds(2),
            Concurrency = Math.Max(1, configuration.GetValue("MONITORING_POLL_CONCURRENCY", 32)),
            Lease = Seconds(configuration, "MONITORING_POLL_LEASE_SECONDS") ?? TimeSpan.FromSeconds(30),
            HealthInterval = Seconds(configuration, "MONITORING_FEED_HEALTH_INTERVAL_SECONDS") ?? DefaultHealthInterval,
            Limits = defaults with
            {
                MaxBodyBytes = configuration.GetValue("MONITORING_FEED_MAX_BYTES", defaults.MaxBodyBytes),
                MaxDecompressedBytes = configuration.GetValue("MONITORING_FEED_MAX_DECOMPRESSED_BYTES", defaults.MaxDecompressedBytes),
                TotalTimeout = Seconds(configuration, "MONITORING_FETCH_TIMEOUT_SECONDS") ?? defaults.TotalTimeout,
            },
        };
    }

    private static string DefaultReplica() =>
        $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2))}";

    /// <summary>deploy/feeds.opml of the checkout the service runs from, found above its content root or its binaries.</summary>
    private static string DefaultFeedsFile(string contentRoot)
    {
        foreach (var start in new[] { contentRoot, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "deploy", "feeds.opml");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return Path.Combine(contentRoot, "deploy", "feeds.opml");
    }

    private static TimeSpan? Seconds(IConfiguration configuration, string name) =>
        configuration[name] is { Length: > 0 } text
            ? double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
                ? TimeSpan.FromSeconds(value)
                : throw new InvalidOperationException($"{name}='{text}' is not a positive number of seconds")
            : null;

    private static TimeSpan? MilliSeconds(IConfiguration configuration, string name) =>
        configuration[name] is { Length: > 0 } text
            ? double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0
                ? TimeSpan.FromMilliseconds(value)
                : throw new InvalidOperationException($"{name}='{text}' is not a number of milliseconds")
            : null;
}
