using Monitoring.Testing;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// A store and a broker of one test class's own for Alerts processes: a PostgreSQL schema and a RabbitMQ virtual
/// host, and the environment that points a service at them. Both are removed afterwards.
/// </summary>
public abstract class AlertsStore(string name) : IAsyncLifetime
{
    private readonly PostgresSchema _schema = PostgresSchema.Create(name);

    protected RabbitMqVirtualHost Broker { get; private set; } = null!;

    protected Dictionary<string, string> Environment { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await RabbitMqVirtualHost.CreateAsync(name);
        Environment = new Dictionary<string, string>
        {
            ["MONITORING_RABBITMQ"] = Broker.AmqpUri.ToString(),
            ["MONITORING_POSTGRES"] = PostgresSchema.ConnectionString,
            ["MONITORING_ALERTS_SCHEMA"] = _schema.Name,
        };
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
