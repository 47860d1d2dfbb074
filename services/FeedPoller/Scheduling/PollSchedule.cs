using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Parsing;

namespace Monitoring.FeedPoller.Scheduling;

/// <summary>The shortest and longest time between two polls of one feed.</summary>
public sealed record PollBounds(TimeSpan Min, TimeSpan Max)
{
    public static readonly PollBounds Default = new(TimeSpan.FromMinutes(5), TimeSpan.FromHours(4));

    public TimeSpan Clamp(TimeSpan value) => value < Min ? Min : value > Max ? Max : value;
}

/// <summary>
/// When to poll a feed next — pure functions of what the last poll learned. After a success the interval follows the
/// feed's own rate (about two polls per expected new article, from the entries' dates over the last week, or by
/// halving and stretching when the feed gives no dates), is never shorter than what the feed (ttl, syndication
/// period) or the server (Cache-Control max-age, Expires) asks, and stays within the bounds. After a failure it backs
/// off exponentially with jitter, or waits exactly as long as Retry-After says.
/// </summary>
public static class PollSchedule
{
    /// <summary>Retry-After is honoured up to this; beyond it a server is asking for something unreasonable.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    public static TimeSpan AfterSuccess(
        PollBounds bounds, TimeSpan? previous, IReadOnlyCollection<DateTimeOffset> entryDates, int newArticles,
        FeedUpdateHint? hint, CacheHints cache, DateTimeOffset now, Random random)
    {
        var interval = FromUpdateRate(bounds, previous, entryDates, newArticles, now);
        if (hint?.MinimumInterval is { } asked && asked > interval) interval = asked;
        if (cache.MaxAge is { } maxAge && maxAge > interval) interval = maxAge;
        if (cache.Expires is { } expires && expires - now > interval) interval = expires - now;
        return bounds.Clamp(Jitter(bounds.Clamp(interval), 0.1, random));
    }

    public static TimeSpan AfterFailure(PollBounds bounds, int consecutiveFailures, TimeSpan? retryAfter, Random random)
    {
        if (retryAfter is { } after) return after < bounds.Min ? bounds.Min : after > MaxRetryAfter ? MaxRetryAfter : after;
        var exponent = Math.Clamp(consecutiveFailures - 1, 0, 20);
        var backoff = TimeSpan.FromTicks((long)Math.Min(bounds.Max.Ticks, bounds.Min.Ticks * Math.Pow(2, exponent)));
        // "Equal jitter": between half and all of the backoff, so failing feeds of one outage do not retry in lockstep.
        return bounds.Clamp(backoff / 2 + backoff / 2 * random.NextDouble());
    }

    /// <summary>The interval the feed's own rate of new entries suggests, before hints and bounds.</summary>
    internal static TimeSpan FromUpdateRate(PollBounds bounds, TimeSpan? previous, IReadOnlyCollection<DateTimeOffset> entryDates, int newArticles, DateTimeOffset now)
    {
        var week = TimeSpan.FromDays(7);
        var dated = entryDates.Where(d => d <= now + TimeSpan.FromHours(1)).ToList();
        if (dated.Count > 0)
        {
            var recent = dated.Where(d => now - d <= week).ToList();
            if (recent.Count == 0) return bounds.Max;
            // The entries cover the time since the oldest recent one (a feed listing only its latest 20 covers less than a week).
            var window = now - recent.Min();
            if (window < TimeSpan.FromHours(1)) window = TimeSpan.FromHours(1);
            return window / recent.Count / 2;
        }
        var last = previous ?? bounds.Min;
        return newArticles > 0 ? last / 2 : last * 1.5;
    }

    private static TimeSpan Jitter(TimeSpan interval, double fraction, Random random) =>
        interval * (1 + fraction * (2 * random.NextDouble() - 1));
}
