using JasperFx.Events.Daemon;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.Stories;
using Monitoring.Hosting;
using Monitoring.Testing;
using Bus = Monitoring.Contracts;

namespace Monitoring.Alerts.Tests;

/// <summary>
/// The Alerts service's store, subscriptions and HTTP API composed exactly as Program.cs does, on the real
/// PostgreSQL (a schema of this fixture's own) and the real RabbitMQ (a virtual host of its own). The bus
/// consumer is left out: tests record classified articles directly.
/// </summary>
public class AlertStoreFixture : IAsyncLifetime
{
    public const string ApiKey = "test-api-key";

    private readonly PostgresSchema _schema = PostgresSchema.Create("alerts");
    private WebApplication? _app;

    public IServiceProvider Services => _app!.Services;
    public HttpClient Http { get; private set; } = null!;
    public HttpClient AdminHttp { get; private set; } = null!;
    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();
    public RabbitMqVirtualHost Broker { get; private set; } = null!;
    public string SchemaName => _schema.Name;

    /// <summary>
    /// Settings on top of the defaults. The default lets an alert wait a whole minute for its story, so tests that
    /// assert <c>storyId</c> do not depend on how busy the machine is.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["MONITORING_STORY_WAIT_MS"] = "60000" };

    /// <summary>Runs before the service starts (e.g. to hold a lock the service would take).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Broker = await RabbitMqVirtualHost.CreateAsync("alerts");
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        if (FileLoggerProvider.FromEnvironment() is { } log) builder.Logging.AddProvider(log);
        builder.Configuration["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString;
        builder.Configuration["MONITORING_ALERTS_SCHEMA"] = _schema.Name;
        builder.Configuration["MONITORING_RABBITMQ"] = Broker.AmqpUri.ToString();
        builder.Configuration["MONITORING_API_KEY"] = ApiKey;
        builder.Configuration["MONITORING_TELEMETRY"] = "none";
        builder.Configuration["MONITORING_ALLOW_PRIVATE_WEBHOOKS"] = "1";
        builder.Configuration["MONITORING_WEBHOOK_RETRY_BASE_MS"] = "100";
        builder.Configuration["MONITORING_WEBHOOK_MAX_ATTEMPTS"] = "3";
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        foreach (var (key, value) in Settings) builder.Configuration[key] = value;
        await BeforeStartAsync();
        builder.AddServiceDefaults("monitoring-alerts-test", "http://127.0.0.1:0", "Marten");
        builder.AddAlertStore();
        _app = builder.Build();
        _app.MapAlertsApi();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address + "/") };
        AdminHttp = new HttpClient { BaseAddress = new Uri(address + "/") };
        AdminHttp.DefaultRequestHeaders.Add(Monitoring.Hosting.ApiKey.HeaderName, ApiKey);
    }

    public async Task<bool> RecordAsync(Bus.ArticleClassified message)
    {
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordAsync(message, CancellationToken.None);
    }

    public async Task<int> RecordBatchAsync(IReadOnlyList<Bus.ArticleClassified> messages)
    {
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ArticleRecorder>().RecordBatchAsync(messages, CancellationToken.None);
    }

    /// <summary>
    /// Waits until every event is assigned to stories and every projection and subscription has processed every
    /// event appended so far, story events included (the assigner appends them after the articles, so this settles
    /// in a few rounds). Progress is read from the progress table itself.
    /// </summary>
    public async Task WaitForProjectionsAsync()
    {
        var stories = Services.GetRequiredService<StoryProgress>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var schema = _schema.Name;
        while (true)
        {
            var last = await LastSequenceAsync();
            var behind = await _schema.ScalarAsync<long>(
                $"select count(*) from {schema}.mt_event_progression p where p.name not like 'HighWater%' and p.last_seq_id < {last}");
            var shards = await _schema.ScalarAsync<long>($"select count(*) from {schema}.mt_event_progression where name not like 'HighWater%'");
            if (behind == 0 && shards >= 3 && await stories.AssignedAsync(CancellationToken.None) >= last && await LastSequenceAsync() == last) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{behind} of {shards} projections/subscriptions, or the story assigner, still behind after 90 s");
            await Task.Delay(50);
        }
    }

    private async Task<long> LastSequenceAsync()
    {
        await using var command = Services.GetRequiredService<Npgsql.NpgsqlDataSource>()
            .CreateCommand($"select coalesce(max(seq_id), 0) from {_schema.Name}.mt_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        AdminHttp.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await _schema.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
