using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using JasperFx.OpenTelemetry;
using Marten;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Alerts.Dashboard;
using Monitoring.Alerts.Exchange;
using Monitoring.Alerts.FeedHealth;
using Monitoring.Alerts.Pipeline;
using Monitoring.Alerts.Stories;
using Monitoring.Alerts.Webhooks;
using Monitoring.Classification;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts;

public static class AlertsModule
{
    /// <summary>
    /// The Marten event store in its own schema (<c>MONITORING_ALERTS_SCHEMA</c>, default <c>alerts</c>): one stream
    /// per article and per webhook subscription; the article snapshot inline; alert projections, the exchange
    /// forwarder and the webhook dispatcher on the async daemon (<c>MONITORING_DAEMON_MODE</c>: hotcold, the default, so
    /// any number of replicas elect one daemon; solo; or disabled); the story assigner behind them (<see cref="StoriesModule"/>).
    /// </summary>
    public static WebApplicationBuilder AddAlertStore(this WebApplicationBuilder builder)
    {
        var connectionString = PostgresConnection.From(builder.Configuration);
        var schema = builder.Configuration["MONITORING_ALERTS_SCHEMA"] ?? "alerts";
        var daemonMode = (builder.Configuration["MONITORING_DAEMON_MODE"] ?? "hotcold").ToLowerInvariant() switch
        {
            "solo" => DaemonMode.Solo,
            "hotcold" => DaemonMode.HotCold,
            "disabled" => DaemonMode.Disabled,
            var other => throw new InvalidOperationException($"MONITORING_DAEMON_MODE='{other}' is not one of solo, hotcold, disabled."),
        };

        builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ServiceDefaults.ReadyTag]);
        builder.Services.AddScoped<ArticleRecorder>();
        builder.Services.AddScoped<CountryAlertQueries>();
        builder.Services.AddScoped<RecentAlerts>();
        builder.Services.AddArticleClassifier();
        builder.Services.AddSingleton<ArticleReclassifier>();
        builder.Services.AddSingleton<AlertFeedReader>();
        builder.Services.AddSingleton<AlertTail>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AlertTail>());
        builder.Services.AddSingleton<AlertExchange>();
        builder.Services.AddSingleton<AlertLatencies>();
        builder.Services.AddSingleton(services => new IngestionGate(services.GetRequiredService<NpgsqlDataSource>(), schema,
            services.GetRequiredService<TimeProvider>(), IngestionGate.LagSetting(builder.Configuration)));
        builder.Services.AddSingleton<PipelineHealth>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PipelineHealth>());
        builder.Services.AddSingleton<WebhookSenderSignal>();
        builder.Services.AddSingleton(WebhookOptions.From(builder.Configuration));
        builder.Services.AddHostedService<WebhookSender>();
        builder.Services.AddStories(builder.Configuration);
        builder.Services.AddHttpClient(WebhookSender.HttpClientName, client => client.DefaultRequestHeaders.UserAgent.ParseAdd("Monitoring-Webhooks/1.0"))
            .ConfigurePrimaryHttpMessageHandler(services =>
                OutboundAddressPolicy.Handler(services.GetRequiredService<WebhookOptions>().AllowPrivate, maxRedirects: 0));

        builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = schema;
                options.Events.DatabaseSchemaName = schema;
                options.Events.StreamIdentity = StreamIdentity.AsString;
                options.Events.UseListenNotifyForEventAppends = true;
                options.Events.AppendMode = EventAppendMode.Quick;
                options.Events.MetadataConfig.HeadersEnabled = true;
                // Marten's serializer escapes every character outside ASCII (\uXXXX, six bytes) by default: an article in
                // Russian, Arabic or Japanese went to PostgreSQL at two to three times its UTF-8 size, to be unescaped
                // again into jsonb. Written as UTF-8 instead; jsonb stores the same value either way.
                if (options.Serializer() is Marten.Services.SystemTextJsonSerializer json)
                    json.Configure(o => o.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                // Advisory locks are per database: each store (schema) elects its own hot daemon.
                options.Projections.DaemonLockId = StableLockId("monitoring-daemon:" + schema);
                options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(DaemonPollMilliseconds(builder.Configuration));
                options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(500);

                options.Projections.Snapshot<ArticleDetails>(SnapshotLifecycle.Inline);
                options.Projections.Snapshot<WebhookSubscription>(SnapshotLifecycle.Inline);
                // Separate projections, not a composite: a composite ran under the hot/cold daemon lost updates in our
                // consistency run (benchmarks: `consistency`), separate projections never did.
                options.Projections.Add(new CountryAlertsProjection(), ProjectionLifecycle.Async, asyncConfiguration: ProjectionPaging);
                options.Projections.Add<CountryDayStatsProjection>(ProjectionLifecycle.Async, ProjectionPaging);

                // CountryAlert's columns and indexes: CountryAlert.ConfigureMarten.
                options.Schema.For<CountryAlert>();
                options.Schema.For<CountryDayStats>()
                    .Duplicate(s => s.Country)
                    .Duplicate(s => s.Day);
                options.Schema.For<WebhookSubscription>().Duplicate(s => s.Status);
                options.Schema.For<FeedState>().UseOptimisticConcurrency(true);
                options.Schema.For<WebhookDelivery>()
                    .Duplicate(d => d.SubscriptionId)
                    .Duplicate(d => d.Status)
                    .Duplicate(d => d.NextAttemptAt)
                    .Duplicate(d => d.CreatedAt);

                options.AddStoryModel();

                options.OpenTelemetry.TrackConnections = TrackLevel.Normal;
                options.OpenTelemetry.TrackEventCounters();
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .InitializeWith<EventDataCompression>()
            .AddSubscriptionWithServices<AlertExchangeForwarder>(ServiceLifetime.Singleton)
            .AddSubscriptionWithServices<WebhookDispatcher>(ServiceLifetime.Singleton)
            .AddSubscriptionWithServices<StoryExchangeForwarder>(ServiceLifetime.Singleton)
            .AddAsyncDaemon(daemonMode);
        return builder;
    }

    /// <summary>
    /// How often the daemon looks for new events while they keep coming (<c>MONITORING_DAEMON_POLL_MS</c>, default 250):
    /// every shard reads one page per look, so a longer interval means fewer, bigger pages (less work per event) and
    /// alerts that wait longer.
    /// </summary>
    public static int DaemonPollMilliseconds(IConfiguration configuration)
    {
        var text = configuration["MONITORING_DAEMON_POLL_MS"];
        if (string.IsNullOrWhiteSpace(text)) return 250;
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 10 and <= 5_000
            ? value
            : throw new InvalidOperationException($"MONITORING_DAEMON_POLL_MS='{text}' is not a number of milliseconds from 10 to 5000.");
    }

    /// <summary>A 32-bit advisory lock id that is the same in every process for the same name.</summary>
    public static int StableLockId(string name) =>
        BitConverter.ToInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    /// <summary>The projections that keep <see cref="CountryAlert"/> and <see cref="CountryDayStats"/>.</summary>
    public static readonly IReadOnlyList<string> CountryViews = ["country-alerts", "country-day-stats"];

    /// <summary>Big pages; during rebuilds each document is written once at the end instead of once per page.</summary>
    private static void ProjectionPaging(AsyncOptions options)
    {
        options.BatchSize = 2_000;
        options.RebuildFlushThreshold = 100_000;
    }

    public static WebApplication MapAlertsApi(this WebApplication app)
    {
        app.MapCountryAlertsApi();
        app.MapArticlesApi();
        app.MapAlertStream();
        app.MapAlertReplay();
        app.MapSubscriptionsApi();
        app.MapPipelineApi();
        app.MapStoriesApi();
        app.MapFeedHealthApi();
        app.MapDashboard();
        return app;
    }
}
