using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using JasperFx.OpenTelemetry;
using Marten;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts;

public static class AlertsModule
{
    /// <summary>
    /// The Marten event store in its own schema (<c>MONITORING_ALERTS_SCHEMA</c>, default <c>alerts</c>):
    /// one stream per article keyed by article id, the article snapshot inline, alert projections on the async daemon.
    /// </summary>
    public static WebApplicationBuilder AddAlertStore(this WebApplicationBuilder builder)
    {
        var connectionString = PostgresConnection.From(builder.Configuration);
        var schema = builder.Configuration["MONITORING_ALERTS_SCHEMA"] ?? "alerts";

        builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ServiceDefaults.ReadyTag]);

        builder.Services.AddScoped<ArticleRecorder>();
        builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = schema;
                options.Events.DatabaseSchemaName = schema;
                options.Events.StreamIdentity = StreamIdentity.AsString;
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

                options.Projections.Snapshot<ArticleDetails>(SnapshotLifecycle.Inline);
                options.Projections.Add<CountryAlertsProjection>(ProjectionLifecycle.Async);
                options.Schema.For<CountryAlert>()
                    .Duplicate(a => a.Country)
                    .Duplicate(a => a.DetectedAt);

                options.OpenTelemetry.TrackConnections = TrackLevel.Normal;
                options.OpenTelemetry.TrackEventCounters();
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(DaemonMode.Solo);
        return builder;
    }

    public static WebApplication MapAlertsApi(this WebApplication app)
    {
        app.MapCountryAlertsApi();
        app.MapArticlesApi();
        return app;
    }
}
