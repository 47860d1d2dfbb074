using MassTransit;
using Monitoring.FeedPoller.Fetching;
using Monitoring.FeedPoller.Polling;
using Monitoring.FeedPoller.Registry;
using Monitoring.FeedPoller.Scheduling;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.FeedPoller;

public static class FeedPollerModule
{
    /// <summary>
    /// The registry in the poller's own PostgreSQL schema, the guarded HTTP client, the scheduler (sharing the feeds with
    /// other replicas through leases in that schema) and the health publisher.
    /// Ready (<c>/health/ready</c>) only when PostgreSQL and the bus answer.
    /// </summary>
    public static WebApplicationBuilder AddFeedPoller(this WebApplicationBuilder builder)
    {
        var options = FeedPollerOptions.From(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(NpgsqlDataSource.Create(PostgresConnection.From(builder.Configuration)));
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ServiceDefaults.ReadyTag]);

        builder.Services.AddSingleton(_ => GuardedConnections.CreateClient(options.AddressPolicy, options.Limits));
        builder.Services.AddSingleton(s => new FeedFetcher(s.GetRequiredService<HttpClient>(), options.Limits, options.UserAgent));
        builder.Services.AddSingleton(s => new FeedStore(s.GetRequiredService<NpgsqlDataSource>(), options.Schema));
        builder.Services.AddSingleton<FeedRegistry>();
        builder.Services.AddSingleton(s => new FeedLeases(s.GetRequiredService<NpgsqlDataSource>(), s.GetRequiredService<FeedStore>(), options));
        builder.Services.AddSingleton(s => new HostGate(options.HostSpacing, s.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(s => new FeedPolling(
            s.GetRequiredService<FeedFetcher>(), s.GetRequiredService<FeedStore>(), s.GetRequiredService<FeedRegistry>(),
            s.GetRequiredService<IBus>(), options, s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<FeedPolling>>()));
        builder.Services.AddSingleton<FeedScheduler>();
        builder.Services.AddHostedService(s => s.GetRequiredService<FeedScheduler>());
        builder.Services.AddHostedService(s => new FeedHealthPublisher(s.GetRequiredService<FeedRegistry>(), s.GetRequiredService<IBus>(),
            s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<FeedHealthPublisher>>(), options.HealthInterval));
        return builder;
    }

    public static WebApplication MapFeedPollerApi(this WebApplication app)
    {
        app.MapFeedsApi();
        return app;
    }
}
