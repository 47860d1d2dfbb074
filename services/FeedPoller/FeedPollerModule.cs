using Monitoring.FeedPoller.Feeds;
using Monitoring.FeedPoller.Polling;

namespace Monitoring.FeedPoller;

public static class FeedPollerModule
{
    public const string UserAgent = "Monitoring-FeedPoller/0.1 (+https://github.com/monitoring; security news monitoring)";

    public static WebApplicationBuilder AddFeedPoller(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FeedRegistry>();
        builder.Services.AddHttpClient(FeedFetcher.HttpClientName, client =>
            {
                client.Timeout = TimeSpan.FromSeconds(30);
                client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                MaxAutomaticRedirections = 5,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });
        builder.Services.AddHostedService<FeedPollingService>();
        return builder;
    }

    public static WebApplication MapFeedPollerApi(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<FeedRegistry>();
        FeedPollerLog.FeedsLoaded(app.Logger, registry.Feeds.Count, registry.FeedsFile);
        app.MapGet("/api/feeds", (FeedRegistry feeds) => feeds.Feeds.Select(f => new
        {
            url = f.Subscription.Url.ToString(),
            title = f.Subscription.Title,
            language = f.Subscription.Language,
            status = f.LastError is null ? (f.LastSuccessAt is null ? "pending" : "ok") : "failing",
            lastAttemptAt = f.LastAttemptAt,
            lastSuccessAt = f.LastSuccessAt,
            lastError = f.LastError,
            consecutiveFailures = f.ConsecutiveFailures,
            articlesPublished = f.ArticlesPublished,
        }));
        return app;
    }
}
