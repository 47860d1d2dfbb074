using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Monitoring.Testing;

/// <summary>A message as a plain AMQP client sees it.</summary>
public sealed record AmqpMessage(string RoutingKey, string? MessageId, bool Persistent, string? ContentType,
    IDictionary<string, object?>? Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A queue bound to the <c>monitoring.alerts</c> topic exchange with the plain RabbitMQ client (no MassTransit),
/// as any subscriber outside the system would bind it.
/// </summary>
public sealed class AmqpTestQueue : IAsyncDisposable
{
    public const string Exchange = "monitoring.alerts";

    private readonly Uri _amqpUri;
    private readonly string _exchange;
    private readonly string[] _bindingKeys;
    private readonly List<AmqpMessage> _received = [];
    private IConnection _connection;
    private IChannel _channel;

    private AmqpTestQueue(Uri amqpUri, string exchange, string[] bindingKeys, IConnection connection, IChannel channel, string name)
    {
        _amqpUri = amqpUri;
        _exchange = exchange;
        _bindingKeys = bindingKeys;
        _connection = connection;
        _channel = channel;
        Name = name;
    }

    public string Name { get; }

    public static Task<AmqpTestQueue> BindAsync(Uri amqpUri, params string[] bindingKeys) => BindToAsync(amqpUri, Exchange, bindingKeys);

    /// <summary>A queue bound to another topic exchange (e.g. <c>monitoring.stories</c>).</summary>
    public static async Task<AmqpTestQueue> BindToAsync(Uri amqpUri, string exchange, params string[] bindingKeys)
    {
        var name = TestServers.UniqueName("q");
        var (connection, channel) = await ConnectAsync(amqpUri, exchange, name, bindingKeys);
        return new AmqpTestQueue(amqpUri, exchange, bindingKeys, connection, channel, name);
    }

    private static async Task<(IConnection, IChannel)> ConnectAsync(Uri amqpUri, string exchange, string name, string[] bindingKeys)
    {
        var connection = await new ConnectionFactory { Uri = amqpUri }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false);
        foreach (var key in bindingKeys) await channel.QueueBindAsync(name, exchange, key);
        return (connection, channel);
    }

    /// <summary>Everything received so far, after taking what is waiting in the queue. Reconnects after a broker restart
    /// (the queue is durable, so what was routed to it before the restart is still there).</summary>
    public async Task<IReadOnlyList<AmqpMessage>> DrainAsync()
    {
        try
        {
            if (!_channel.IsOpen)
            {
                await _connection.DisposeAsync();
                (_connection, _channel) = await ConnectAsync(_amqpUri, _exchange, Name, _bindingKeys);
            }
            while (await _channel.BasicGetAsync(Name, autoAck: true) is { } result)
            {
                _received.Add(new AmqpMessage(result.RoutingKey, result.BasicProperties.MessageId, result.BasicProperties.Persistent,
                    result.BasicProperties.ContentType, result.BasicProperties.Headers, Encoding.UTF8.GetString(result.Body.Span)));
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.AlreadyClosedException
                                       or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // the broker is down or restarting; try again on the next drain
        }
        return _received;
    }

    /// <summary>Drains until <paramref name="until"/> holds for everything received, or the time is up.</summary>
    public async Task<IReadOnlyList<AmqpMessage>> WaitForAsync(Func<IReadOnlyList<AmqpMessage>, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var received = await DrainAsync();
            if (until(received)) return received;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"queue {Name} did not receive the expected messages in {timeout}; {received.Count} received");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsOpen) await _channel.QueueDeleteAsync(Name);
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
