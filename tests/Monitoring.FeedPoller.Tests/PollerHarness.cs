using System.Collections.Concurrent;
using System.Net;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Monitoring.Contracts;
using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Polling;
using Monitoring.FeedPoller.Registry;
using Monitoring.FeedPoller.Scheduling;
using Monitoring.Hosting;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.FeedPoller.Tests;

/// <summary>
/// The poller's parts wired as the service wires them, on the real PostgreSQL (a schema of the test's own) and the
/// real RabbitMQ (a virtual host of the test's own), with a consumer recording every message the poller publishes.
/// Polls run when the test says, so each test controls time.
/// </summary>
public sealed class PollerHarness : IAsyncDisposable
{
    public static readonly FetchLimits Limits = new()
    {
        MaxBodyBytes = 1024 * 1024, MaxDecompressedBytes = 4 * 1024 * 1024, ReadIdleTimeout = TimeSpan.FromSeconds(2), TotalTimeout = TimeSpan.FromSeconds(5),
    };

    private readonly PostgresSchema _schema;
    private readonly RabbitMqVirtualHost _broker;
    private readonly IBusControl _bus;
    private readonly HttpClient _http;
    private readonly NpgsqlDataSource _dataSource;
    private readonly List<FeedHealthPublisher> _healthPublishers = [];

    private PollerHarness(PostgresSchema schema, RabbitMqVirtualHost broker, IBusControl bus, FeedPollerOptions options)
    {
        (_schema, _broker, _bus, Options) = (schema, broker, bus, options);
        _http = GuardedConnections.CreateClient(new AddressPolicy(false, new HashSet<IPAddress> { IPAddress.Loopback }), Limits);
        _dataSource = NpgsqlDataSource.Create(PostgresSchema.ConnectionString);
        Open();
    }

    public FeedPollerOptions Options { get; }
    public FeedStore Store { get; private set; } = null!;
    public FeedRegistry Registry { get; private set; } = null!;
    public FeedPolling Polling { get; private set; } = null!;
    public ConcurrentQueue<ArticleFetched> Articles { get; } = new();
    public ConcurrentQueue<FeedHealthChanged> Health { get; } = new();

    public static async Task<PollerHarness> StartAsync(string? feedsFile = null, TimeSpan? healthInterval = null)
    {
        var schema = PostgresSchema.Create("poller");
        var broker = await RabbitMqVirtualHost.CreateAsync("poller");
        PollerHarness? harness = null;
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var uri = broker.AmqpUri;
            cfg.Host(uri.Host, (ushort)uri.Port, MonitoringBus.VirtualHost(uri), h => { h.Username("guest"); h.Password("guest"); });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
            cfg.ReceiveEndpoint("recorded-articles", e => e.Handler<ArticlesFetched>(context =>
            {
                foreach (var article in context.Message.Articles) harness!.Articles.Enqueue(article);
                return Task.CompletedTask;
            }));
            cfg.ReceiveEndpoint("recorded-health", e => e.Handler<FeedHealthChanged>(context =>
            {
                harness!.Health.Enqueue(context.Message);
                return Task.CompletedTask;
            }));
        });
        await bus.StartAsync();
        var options = new FeedPollerOptions
        {
            FeedsFile = feedsFile ?? Path.Combine(Path.GetTempPath(), "no-such-feed-list.opml"),
            Schema = schema.Name,
            Bounds = new PollBounds(TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            HostSpacing = TimeSpan.Zero,
            Limits = Limits,
            HealthInterval = healthInterval ?? FeedPollerOptions.DefaultHealthInterval,
        };
        harness = new PollerHarness(schema, broker, bus, options);
        await harness.Registry.OpenAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>New store and registry objects on the same schema, as after a restart of the service.</summary>
    public async Task RestartAsync()
    {
        Open();
        await Registry.OpenAsync(CancellationToken.None);
    }

    private void Open()
    {
        Store = new FeedStore(_dataSource, Options.Schema);
        Registry = new FeedRegistry(Store, Options, TimeProvider.System, NullLogger<FeedRegistry>.Instance);
        var fetcher = new FeedFetcher(_http, Limits, FeedFetcher.DefaultUserAgent);
        Polling = new FeedPolling(fetcher, Store, Registry, _bus, Options, TimeProvider.System, NullLogger<FeedPolling>.Instance);
        var health = new FeedHealthPublisher(Registry, _bus, TimeProvider.System, NullLogger<FeedHealthPublisher>.Instance, Options.HealthInterval);
        health.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _healthPublishers.Add(health);
    }

    public async Task<FeedRecord> AddAsync(Uri url, string? title = null)
    {
        var (feed, _) = await Registry.AddAsync(new FeedSubscription(url, title, null), FeedOrigin.Api, CancellationToken.None);
        return feed;
    }

    public async Task<FeedRecord> FindAsync(string id) =>
        await Registry.FindAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"no feed {id}");

    public async Task<FeedRecord> PollAsync(FeedRecord feed) =>
        await Polling.PollAsync(await FindAsync(feed.Id), CancellationToken.None) ?? throw new InvalidOperationException("feed was removed");

    /// <summary>The articles published so far, once none has arrived for a moment (so late duplicates would be seen).</summary>
    public async Task<IReadOnlyList<ArticleFetched>> SettledArticlesAsync(int atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Articles.Count < atLeast && DateTime.UtcNow < deadline) await Task.Delay(50);
        var count = -1;
        while (count != Articles.Count)
        {
            count = Articles.Count;
            await Task.Delay(400);
        }
        return Articles.ToList();
    }

    /// <summary>Stops the health publishers, as the service's shutdown does (the bus keeps running).</summary>
    public async Task StopHealthAsync()
    {
        foreach (var health in _healthPublishers) await health.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var health in _healthPublishers) await health.StopAsync(CancellationToken.None);
        await _bus.StopAsync();
        _http.Dispose();
        await _dataSource.DisposeAsync();
        await _broker.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
