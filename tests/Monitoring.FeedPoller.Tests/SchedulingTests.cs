using System.Diagnostics;
using System.Net;
using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Parsing;
using Monitoring.FeedPoller.Scheduling;

namespace Monitoring.FeedPoller.Tests;

public sealed class SchedulingTests
{
    private static readonly PollBounds Bounds = new(TimeSpan.FromMinutes(5), TimeSpan.FromHours(4));
    private static readonly DateTimeOffset Now = new(2024, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static TimeSpan After(IEnumerable<DateTimeOffset> dates, TimeSpan? previous = null, int newArticles = 0, FeedUpdateHint? hint = null, CacheHints? cache = null) =>
        PollSchedule.AfterSuccess(Bounds, previous, dates.ToList(), newArticles, hint, cache ?? CacheHints.None, Now, new Random(7));

    private static IEnumerable<DateTimeOffset> Every(TimeSpan gap, int count) => Enumerable.Range(0, count).Select(i => Now - gap * (i + 1));

    /// <summary>At the maximum, less the up-to-10% jitter that spreads feeds out (never above the maximum).</summary>
    private static void AssertNearMax(TimeSpan interval) => Assert.InRange(interval, Bounds.Max * 0.9, Bounds.Max);

    [Fact]
    public void A_feed_publishing_every_few_minutes_is_polled_at_the_minimum_interval()
    {
        Assert.Equal(Bounds.Min, After(Every(TimeSpan.FromMinutes(3), 50)));
    }

    [Fact]
    public void A_feed_publishing_every_two_hours_is_polled_about_every_hour()
    {
        Assert.InRange(After(Every(TimeSpan.FromHours(2), 30)).TotalMinutes, 54, 66);
    }

    [Fact]
    public void A_feed_silent_for_a_week_is_polled_at_the_maximum_interval()
    {
        AssertNearMax(After(Every(TimeSpan.FromDays(10), 5)));
    }

    [Fact]
    public void Without_dates_the_interval_halves_after_new_articles_and_stretches_after_none()
    {
        Assert.InRange(After([], TimeSpan.FromHours(2), newArticles: 3).TotalMinutes, 54, 66);
        Assert.InRange(After([], TimeSpan.FromHours(1), newArticles: 0).TotalMinutes, 81, 99);
    }

    [Fact]
    public void Ttl_cache_control_and_expires_are_honoured_within_the_bounds()
    {
        var busy = Every(TimeSpan.FromMinutes(1), 50).ToList();
        Assert.InRange(After(busy, hint: new FeedUpdateHint(TimeSpan.FromMinutes(60), null, null)).TotalMinutes, 54, 66);
        Assert.InRange(After(busy, hint: new FeedUpdateHint(null, "hourly", 2)).TotalMinutes, 27, 33);
        Assert.InRange(After(busy, cache: new CacheHints(TimeSpan.FromMinutes(30), null, null)).TotalMinutes, 27, 33);
        Assert.InRange(After(busy, cache: new CacheHints(null, Now.AddMinutes(45), null)).TotalMinutes, 40.5, 49.5);
        AssertNearMax(After(busy, hint: new FeedUpdateHint(TimeSpan.FromDays(2), null, null)));
    }

    [Fact]
    public void Retry_after_is_waited_exactly_but_never_below_the_minimum_nor_beyond_a_day()
    {
        var random = new Random(1);
        Assert.Equal(TimeSpan.FromMinutes(20), PollSchedule.AfterFailure(Bounds, 1, TimeSpan.FromMinutes(20), random));
        Assert.Equal(Bounds.Min, PollSchedule.AfterFailure(Bounds, 1, TimeSpan.FromSeconds(5), random));
        Assert.Equal(PollSchedule.MaxRetryAfter, PollSchedule.AfterFailure(Bounds, 1, TimeSpan.FromDays(30), random));
    }

    [Fact]
    public void Failures_back_off_exponentially_with_jitter_up_to_the_maximum()
    {
        var random = new Random(3);
        for (var failures = 1; failures <= 12; failures++)
        {
            var backoff = TimeSpan.FromTicks(Math.Min(Bounds.Max.Ticks, Bounds.Min.Ticks << (failures - 1)));
            var waits = Enumerable.Range(0, 50).Select(_ => PollSchedule.AfterFailure(Bounds, failures, null, random)).ToList();
            Assert.All(waits, w => Assert.InRange(w, Bounds.Clamp(backoff / 2), backoff));
            if (backoff / 2 >= Bounds.Min) Assert.True(waits.Distinct().Count() > 10, "jittered");
        }
    }

    [Fact]
    public async Task A_host_gets_one_request_at_a_time_spaced_while_other_hosts_go_ahead()
    {
        var gate = new HostGate(TimeSpan.FromMilliseconds(300), TimeProvider.System);
        var stopwatch = Stopwatch.StartNew();
        var sameHost = new List<(TimeSpan Start, TimeSpan End)>();
        var inside = 0;
        var mostInside = 0;

        async Task Visit(string host, List<(TimeSpan, TimeSpan)>? log)
        {
            using (await gate.EnterAsync(host, CancellationToken.None))
            {
                var start = stopwatch.Elapsed;
                if (host == "slow.example") mostInside = Math.Max(mostInside, Interlocked.Increment(ref inside));
                await Task.Delay(100);
                if (host == "slow.example") Interlocked.Decrement(ref inside);
                lock (sameHost) log?.Add((start, stopwatch.Elapsed));
            }
        }

        var slow = Enumerable.Range(0, 3).Select(_ => Visit("slow.example", sameHost)).ToList();
        var others = Enumerable.Range(0, 5).Select(i => Visit($"host{i}.example", null)).ToList();
        await Task.WhenAll(others);
        var othersDone = stopwatch.Elapsed;
        await Task.WhenAll(slow);

        Assert.Equal(1, mostInside);
        var ordered = sameHost.OrderBy(v => v.Start).ToList();
        for (var i = 1; i < ordered.Count; i++)
            Assert.True(ordered[i].Start - ordered[i - 1].End >= TimeSpan.FromMilliseconds(290), $"visit {i} started {(ordered[i].Start - ordered[i - 1].End).TotalMilliseconds} ms after the previous ended");
        Assert.True(othersDone < ordered[^1].Start, "other hosts finished while the busy host still had visits queued");
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.8.9.10", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.100.100.200", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("2002:c0a8:0101::1", false)]
    public void Only_public_unicast_addresses_are_allowed_by_default(string address, bool allowed)
    {
        Assert.Equal(allowed, AddressPolicy.PublicOnly.Allows(IPAddress.Parse(address)));
        Assert.True(AddressPolicy.AllowAll.Allows(IPAddress.Parse(address)));
    }
}
