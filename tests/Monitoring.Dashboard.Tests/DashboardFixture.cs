using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.Hosting;
using Monitoring.Testing;

namespace Monitoring.Dashboard.Tests;

/// <summary>
/// The Alerts service as it runs in production (its own process, the dashboard embedded in its DLL) on the real
/// RabbitMQ (a virtual host of its own) and PostgreSQL (a schema of its own); articles reach it over the bus as the
/// Classifier publishes them; one headless Chromium for every browser test of the collection.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private readonly PostgresSchema _schema = PostgresSchema.Create("dash");
    private readonly Lazy<Chromium> _browser = new(() => new Chromium());
    private IBusControl? _bus;

    public RabbitMqVirtualHost Broker { get; private set; } = null!;
    public ServiceProcess Alerts { get; private set; } = null!;
    /// <summary>Started by the first test that needs it, so tests without a browser run where Chromium is missing too.</summary>
    public Chromium Browser => _browser.Value;
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public string Url(string path = "") => new Uri(Alerts.BaseAddress, path).ToString();

    public async Task InitializeAsync()
    {
        Broker = await RabbitMqVirtualHost.CreateAsync("dash");
        Alerts = ServiceProcess.Start("Alerts", new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = Broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_ALERTS_SCHEMA"] = _schema.Name,
            ["MONITORING_API_KEY"] = "dashboard-test-key",
            // The live feed groups by story: let alerts wait for theirs however busy the machine is.
            ["MONITORING_STORY_WAIT_MS"] = "60000",
        });
        await Alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var amqp = Broker.AmqpUri;
            cfg.Host(amqp.Host, (ushort)amqp.Port, Broker.Name, host =>
            {
                host.Username("guest");
                host.Password("guest");
            });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
        });
        await _bus.StartAsync();
        foreach (var article in DashboardScenario.Articles) await PublishAsync(DashboardScenario.Classified(article, RunId, Now));
        await WaitForAlertsAsync(DashboardScenario.Articles.Count);
    }

    /// <summary>Publishes a message on the bus as the other services do (a classified article, a feed's health).</summary>
    public Task PublishAsync<T>(T message) where T : class => _bus!.Publish(message);

    /// <summary>Waits until /api/alerts lists at least <paramref name="count"/> alerts.</summary>
    public async Task WaitForAlertsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            var page = await Alerts.Http.GetFromJsonAsync<JsonElement>("api/alerts?limit=500");
            if ((seen = page.GetProperty("alerts").GetArrayLength()) >= count) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{seen} of {count} alerts recorded within 60 s:\n{Alerts.RecentOutput}");
    }

    public async Task DisposeAsync()
    {
        if (_browser.IsValueCreated) _browser.Value.Dispose();
        if (_bus is not null) await _bus.StopAsync();
        await Alerts.DisposeAsync();
        await Broker.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
