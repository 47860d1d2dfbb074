using MassTransit;
using Monitoring.Hosting;

namespace Monitoring.EndToEnd.Tests;

/// <summary>A MassTransit bus of the test's own, publishing the system's contracts into a virtual host (and receiving on endpoints a test adds).</summary>
public sealed class BusPublisher : IAsyncDisposable
{
    private readonly IBusControl _bus;

    private BusPublisher(IBusControl bus) => _bus = bus;

    public static async Task<BusPublisher> StartAsync(Uri amqpUri, Action<IRabbitMqBusFactoryConfigurator>? receive = null)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            var port = amqpUri.IsDefaultPort ? 5672 : amqpUri.Port;
            cfg.Host(amqpUri.Host, (ushort)port, MonitoringBus.VirtualHost(amqpUri), h =>
            {
                h.Username("guest");
                h.Password("guest");
            });
            cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
            receive?.Invoke(cfg);
        });
        await bus.StartAsync();
        return new BusPublisher(bus);
    }

    public Task PublishAsync<T>(T message) where T : class => _bus.Publish(message);

    /// <summary>
    /// Sends straight to a consumer's endpoint through the exchange MassTransit binds to its queue. Not
    /// <c>queue:NAME</c>: that declares the queue with default arguments, which a quorum queue refuses.
    /// </summary>
    public async Task SendAsync<T>(string endpoint, T message) where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await (await _bus.GetSendEndpoint(new Uri($"exchange:{endpoint}"))).Send(message, timeout.Token);
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
