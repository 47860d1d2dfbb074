using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Monitoring.LoadTest;

/// <summary>A plain AMQP subscriber on <c>monitoring.alerts</c> (<c>#</c>) noting when each article's first alert arrived.</summary>
public sealed class AlertListener : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    /// <summary>Generated article number (the "(n)" its title ends with) → (fetched at, first alert received at).</summary>
    public ConcurrentDictionary<long, (DateTimeOffset FetchedAt, DateTimeOffset ReceivedAt)> Alerted { get; } = new();

    public long Messages;

    // The store position of the last message read (the consumer is called one message at a time).
    private long _lastPosition = -1;

    private AlertListener(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<AlertListener> StartAsync(Uri amqpUri)
    {
        var connection = await new ConnectionFactory { Uri = amqpUri }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("monitoring.alerts", ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "monitoring.alerts", "#");
        await channel.BasicQosAsync(0, 2000, false);
        var listener = new AlertListener(connection, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var received = DateTimeOffset.UtcNow;
            Interlocked.Increment(ref listener.Messages);
            // An alert comes as one message per (country, topic), published one after another with the article's store
            // position in their id ("{position}.{COUNTRY}.{topic}"): only the first of them is read, which keeps the
            // listener's own CPU (on the machine it measures) to about a quarter. A copy that arrives out of that order
            // (a republish) is read again, and Alerted keeps the first arrival either way.
            var id = delivery.BasicProperties.MessageId ?? "";
            var dot = id.IndexOf('.');
            if (dot > 0 && long.TryParse(id.AsSpan(0, dot), out var position))
            {
                if (position == listener._lastPosition) return Task.CompletedTask;
                listener._lastPosition = position;
            }
            using var json = JsonDocument.Parse(delivery.Body);
            var root = json.RootElement;
            var title = root.GetProperty("title").GetString()!;
            var open = title.LastIndexOf('(');
            if (open >= 0 && long.TryParse(title.AsSpan(open + 1, title.Length - open - 2), out var number))
                listener.Alerted.TryAdd(number, (root.GetProperty("fetchedAt").GetDateTimeOffset(), received));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
