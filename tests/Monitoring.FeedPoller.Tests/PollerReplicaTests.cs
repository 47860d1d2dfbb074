using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.Hosting;
using Monitoring.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Monitoring.FeedPoller.Tests;

/// <summary>
/// FeedPoller replicas as separate processes on one PostgreSQL schema and one RabbitMQ virtual host, polling feeds on
/// six local hosts (every feed due every <see cref="Interval"/>, requests to a host spaced by <see cref="Spacing"/>).
/// </summary>
public abstract class PollerReplicas(ITestOutputHelper output) : IAsyncLifetime
{
    protected const int Hosts = 6;
    protected const int FeedsPerHost = 2;
    protected static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    protected static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(200);
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    protected readonly ITestOutputHelper Output = output;

    protected readonly PostgresSchema _schema = PostgresSchema.Create("poller_rep");
    private readonly string _folder = Directory.CreateTempSubdirectory("poller-replicas").FullName;
    protected readonly ConcurrentQueue<ArticleFetched> _articles = new();
    private readonly List<ServiceProcess> _replicas = [];
    private RabbitMqVirtualHost _broker = null!;
    protected GrowingFeeds _feeds = null!;
    private IBusControl _bus = null!;
    private Dictionary<string, string> _environment = null!;

    public async Task InitializeAsync()
    {
        _broker = await RabbitMqVirtualHost.CreateAsync("poller_rep");
        _feeds = await GrowingFeeds.StartAsync(Hosts, FeedsPerHost);
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var uri = _broker.AmqpUri;
            cfg.Host(uri.Host, (ushort)uri.Port, MonitoringBus.VirtualHost(uri), h => { h.Username("guest"); h.Password("guest"); });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
            cfg.ReceiveEndpoint("replica-articles", e => e.Handler<ArticlesFetched>(c => { foreach (var a in c.Message.Articles) _articles.Enqueue(a); return Task.CompletedTask; }));
        });
        await _bus.StartAsync();
        var list = Path.Combine(_folder, "feeds.opml");
        await File.WriteAllTextAsync(list, new XDocument(new XElement("opml", new XAttribute("version", "2.0"), new XElement("body",
            _feeds.Urls.Select(u => new XElement("outline", new XAttribute("text", u.ToString()), new XAttribute("xmlUrl", u.ToString())))))).ToString());
        _environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = _broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_FEEDPOLLER_SCHEMA"] = _schema.Name,
            ["MONITORING_FEEDS_FILE"] = list,
            ["MONITORING_ALLOW_PRIVATE_FEEDS"] = "1",
            ["MONITORING_POLL_MIN_SECONDS"] = Interval.TotalSeconds.ToString(),
            ["MONITORING_POLL_MAX_SECONDS"] = Interval.TotalSeconds.ToString(),
            ["MONITORING_HOST_SPACING_MS"] = Spacing.TotalMilliseconds.ToString(),
            ["MONITORING_POLL_LEASE_SECONDS"] = Lease.TotalSeconds.ToString(),
            ["MONITORING_API_KEY"] = "replica-key",
        };
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        await _bus.StopAsync();
        await _feeds.DisposeAsync();
        await _broker.DisposeAsync();
        await _schema.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    protected List<GrowingFeeds.Request> RequestsFor(string feed) => _feeds.Requests.Where(r => r.Feed == feed + ".xml").ToList();

    protected static string Host(Uri url) => "h" + url.Host.Split('.')[^1];

    protected static string FeedId(Uri url) => Monitoring.FeedPoller.Registry.FeedRecord.IdFor(url);

    /// <summary>Starts the replicas together, waits until all are ready, and returns each with its replica name.</summary>
    protected async Task<Dictionary<ServiceProcess, string>> StartReplicasAsync(int count)
    {
        var started = Enumerable.Range(0, count).Select(_ => ServiceProcess.Start("FeedPoller", _environment)).ToList();
        _replicas.AddRange(started);
        await Task.WhenAll(started.Select(r => r.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        var names = new Dictionary<ServiceProcess, string>();
        foreach (var replica in started)
        {
            replica.Http.DefaultRequestHeaders.Add("X-Api-Key", "replica-key");
            names[replica] = (await replica.Http.GetFromJsonAsync<JsonElement>("api/pollers")).GetProperty("self").GetString()!;
        }
        return names;
    }

    protected async Task<Dictionary<string, long>> PollsByReplicaAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select replica, count(*) from \"{_schema.Name}\".feed_history where kind in ('polled', 'not-modified') group by replica", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var polls = new Dictionary<string, long>();
        while (await reader.ReadAsync()) polls[reader.GetString(0)] = reader.GetInt64(1);
        return polls;
    }

    protected async Task<T?> ScalarAsync<T>(string sql) => await _schema.ScalarAsync<T>(string.Format(sql, $"\"{_schema.Name}\""));

    protected async Task<List<string>> ListAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(string.Format(sql, $"\"{_schema.Name}\""), connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    protected async Task<string> WaitForAsync(Func<Task<string?>> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new TimeoutException($"not reached within {timeout}\n" + string.Join("\n---\n", _replicas.Select(r => r.RecentOutput)));
    }
}

/// <summary>Three replicas share the feeds through leases, never poll a due feed twice, stay polite to each host together, and take over the feeds of a replica that dies.</summary>
public sealed class PollerShardingTests(ITestOutputHelper output) : PollerReplicas(output)
{
    [Fact]
    public async Task Three_replicas_poll_each_due_feed_once_share_the_hosts_and_take_over_a_killed_replicas_feeds()
    {
        // Started together: the operator's list is applied once, not three times.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var names = await StartReplicasAsync(3);
        Output.WriteLine($"ready at {clock.Elapsed}");
        Assert.Equal(Hosts * FeedsPerHost, await ScalarAsync<long>("select count(*) from {0}.feeds where removed_at is null"));
        Assert.Equal(Hosts * FeedsPerHost, await ScalarAsync<long>("select count(*) from {0}.feed_history where kind = 'added'"));

        // Three due rounds; on a busy machine a replica can be slow to take its first lease, so wait (bounded) until each
        // has polled before judging the shares.
        await Task.Delay(Interval * 3);
        var shares = await PollsByReplicaAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); names.Values.Any(name => shares.GetValueOrDefault(name) == 0) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500);
            shares = await PollsByReplicaAsync();
        }
        Output.WriteLine("polls per replica before the kill: " + string.Join(", ", shares.Select(s => $"{s.Key}={s.Value}")));
        Assert.All(names.Values, name => Assert.True(shares.GetValueOrDefault(name) > 0, $"replica {name} polled nothing: {string.Join(", ", shares)}"));

        // Kill a replica in the middle of a fetch: every request hangs, so whoever polls next holds its feed under a lease.
        _feeds.Freeze();
        var victim = await WaitForAsync(() => ScalarAsync<string>("select lease_owner from {0}.feeds where lease_owner is not null and lease_until > now() limit 1"),
            TimeSpan.FromSeconds(15));
        await Task.Delay(1500); // polls that had their answer before the freeze finish publishing and recording
        var held = await ListAsync("select id from {0}.feeds where lease_owner = @victim", ("victim", victim));
        var killedAt = DateTimeOffset.UtcNow;
        names.Single(n => n.Value == victim).Key.Kill();
        _feeds.Unfreeze();
        Output.WriteLine($"killed {victim} holding {string.Join(", ", held)} at {clock.Elapsed}");

        await Task.Delay(Lease + Interval + TimeSpan.FromSeconds(1));
        var stoppedGrowingAt = _feeds.StopGrowing();
        await WaitForAsync(() => Task.FromResult(_feeds.Urls.All(u => _feeds.Requests.Any(r => u.AbsolutePath.EndsWith(r.Feed) && Host(u) == r.Host && r.Start > stoppedGrowingAt))
            ? "polled" : null), TimeSpan.FromSeconds(20));
        await WaitForAsync(() => Task.FromResult(_feeds.Served.IsSubsetOf(_articles.Select(a => a.Url)) ? "received" : null), TimeSpan.FromSeconds(20));
        Output.WriteLine($"settled at {clock.Elapsed}");
        await Task.Delay(1500); // a duplicate would arrive now

        // Every article served once is published once.
        var published = _articles.GroupBy(a => a.Url).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(_feeds.Served.Order(), published.Keys.Order());
        Assert.All(published, p => Assert.True(p.Value == 1, $"{p.Key} published {p.Value} times"));

        // No feed was polled twice for one due time: a poll is due an interval after the previous one started, so the
        // starts of a feed's polls, as the pollers record them, are about an interval apart, never close together. (Not
        // when the requests reached the feed server: on a busy machine one request can arrive a second late and the next
        // on time, which is no double poll.)
        var polls = await ListAsync(
            "select feed_id || ' ' || (extract(epoch from at) * 1000)::bigint from {0}.feed_history where kind in ('polled', 'not-modified')");
        Assert.NotEmpty(polls);
        foreach (var feed in polls.Select(p => p.Split(' ')).GroupBy(p => p[0], p => long.Parse(p[1])))
        {
            var starts = feed.Order().ToList();
            var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();
            Assert.True(gaps.All(g => g >= Interval.TotalMilliseconds / 2), $"{feed.Key} polled twice for one due time: gaps {string.Join(", ", gaps)} ms");
        }

        // Politeness holds across replicas: one request at a time per host, spaced.
        foreach (var host in _feeds.Requests.GroupBy(r => r.Host))
        {
            var requests = host.OrderBy(r => r.Start).ToList();
            for (var i = 1; i < requests.Count; i++)
            {
                var gap = requests[i].Start - requests[i - 1].End;
                Assert.True(gap >= Spacing * 0.75, $"{host.Key}: request {i} started {gap.TotalMilliseconds:F0} ms after the previous one ended");
            }
        }

        // The killed replica's feeds were taken over when its leases ran out, and its fetch was repeated by a survivor.
        var survivors = names.Keys.Where(r => !r.HasExited).ToList();
        Assert.Equal(2, survivors.Count);
        foreach (var id in held)
        {
            Assert.Contains(survivors, s => s.Output.Any(line => line.Contains($"Took over feed {id}") && line.Contains(victim)));
            // Within the lease (renewed at most a third of it before the kill), plus a host's spacing and a claim round.
            var url = _feeds.Urls.Single(u => FeedId(u) == id);
            var retried = _feeds.Requests.Where(r => r.Host == Host(url) && url.AbsolutePath.EndsWith(r.Feed) && r.Start > killedAt).Min(r => r.Start);
            Output.WriteLine($"{id} fetched again {(retried - killedAt).TotalSeconds:F1} s after the kill");
            Assert.True(retried - killedAt <= Lease + TimeSpan.FromSeconds(2), $"{id} was taken over {(retried - killedAt).TotalSeconds:F1} s after the kill");
            var after = await ListAsync("select replica from {0}.feed_history where feed_id = @feed and kind = 'polled' and at > @killed",
                ("feed", id), ("killed", killedAt));
            Assert.NotEmpty(after);
            Assert.DoesNotContain(victim, after);
        }
        var pollers = await survivors[0].Http.GetFromJsonAsync<JsonElement>("api/pollers");
        Assert.DoesNotContain(pollers.GetProperty("replicas").EnumerateArray(), r => r.GetProperty("replica").GetString() == victim && r.GetProperty("live").GetBoolean());
    }
}

/// <summary>Every replica reads and writes the same registry: what one replica's API changes, the others show and schedule.</summary>
public sealed class PollerRegistryReplicationTests(ITestOutputHelper output) : PollerReplicas(output)
{
    [Fact]
    public async Task A_feed_added_paused_resumed_or_removed_through_one_replica_is_what_the_other_shows_and_polls()
    {
        var names = (await StartReplicasAsync(2)).Keys.ToList();
        var (first, second) = (names[0], names[1]);
        var url = new Uri(_feeds.Urls[0].ToString().Replace("f0.xml", "added.xml"));

        using var created = await first.Http.PostAsJsonAsync("api/feeds", new { url });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var seen = await second.Http.GetFromJsonAsync<JsonElement>($"api/feeds/{id}");
        Assert.Equal(url.ToString(), seen.GetProperty("url").GetString());
        await WaitForAsync(() => Task.FromResult(RequestsFor("added").Count >= 2 ? "polled" : null), TimeSpan.FromSeconds(20));

        using (var paused = await second.Http.PostAsync($"api/feeds/{id}/pause", null)) Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("paused", (await first.Http.GetFromJsonAsync<JsonElement>($"api/feeds/{id}")).GetProperty("status").GetString());
        await Task.Delay(1000); // a poll already under way may finish
        var whilePaused = RequestsFor("added").Count;
        await Task.Delay(Interval * 2);
        Assert.Equal(whilePaused, RequestsFor("added").Count);

        using (var resumed = await first.Http.PostAsync($"api/feeds/{id}/resume", null)) Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        await WaitForAsync(() => Task.FromResult(RequestsFor("added").Count > whilePaused ? "polled again" : null), TimeSpan.FromSeconds(10));

        using (var removed = await second.Http.DeleteAsync($"api/feeds/{id}")) Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using (var gone = await first.Http.GetAsync($"api/feeds/{id}")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await Task.Delay(1000);
        var whileRemoved = RequestsFor("added").Count;
        await Task.Delay(Interval * 2);
        Assert.Equal(whileRemoved, RequestsFor("added").Count);

        var history = await first.Http.GetFromJsonAsync<JsonElement>($"api/feeds/{id}/history");
        var polledBy = history.EnumerateArray().Where(h => h.GetProperty("kind").GetString() == "polled")
            .Select(h => h.GetProperty("replica").GetString()).ToHashSet();
        Output.WriteLine("the added feed was polled by " + string.Join(", ", polledBy));
        Assert.NotEmpty(polledBy);
    }
}
