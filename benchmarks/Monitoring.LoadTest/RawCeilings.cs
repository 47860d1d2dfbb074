using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Monitoring.LoadTest;

/// <summary>What the broker and the database can do on this machine without us: the denominators of the pipeline's efficiency.</summary>
public static class RawCeilings
{
    /// <summary>
    /// Plain RabbitMQ.Client: persistent 1 KB messages into a durable queue with publisher confirms, consumed with
    /// manual acks in the same run; messages per second until the last is consumed.
    /// </summary>
    public static async Task<double> RabbitMqAsync(Uri amqpUri, int messages)
    {
        var factory = new ConnectionFactory { Uri = amqpUri };
        await using var publisherConnection = await factory.CreateConnectionAsync();
        await using var consumerConnection = await factory.CreateConnectionAsync();
        await using var publisher = await publisherConnection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        await using var consumer = await consumerConnection.CreateChannelAsync();
        var queue = "raw-ceiling-" + Guid.NewGuid().ToString("N")[..8];
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await consumer.BasicQosAsync(0, 500, false);
        var received = 0;
        var done = new TaskCompletionSource();
        var handler = new AsyncEventingBasicConsumer(consumer);
        handler.ReceivedAsync += async (_, delivery) =>
        {
            await consumer.BasicAckAsync(delivery.DeliveryTag, false);
            if (Interlocked.Increment(ref received) == messages) done.TrySetResult();
        };
        await consumer.BasicConsumeAsync(queue, autoAck: false, handler);

        var body = new byte[1024];
        Random.Shared.NextBytes(body);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var watch = Stopwatch.StartNew();
        var pending = new List<Task>(500);
        for (var i = 0; i < messages; i++)
        {
            pending.Add(publisher.BasicPublishAsync("", queue, false, properties, body).AsTask());
            if (pending.Count == 500)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var rate = messages / watch.Elapsed.TotalSeconds;
        await publisher.QueueDeleteAsync(queue);
        return rate;
    }

    /// <summary>Binary COPY of rows like an event's (a key, a 1 KB jsonb body, a timestamp) into a fresh table: rows per second.</summary>
    public static async Task<double> PostgresCopyAsync(string connectionString, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var table = "raw_ceiling_" + Guid.NewGuid().ToString("N")[..8];
        await using (var create = new NpgsqlCommand($"create table {table} (id bigint, stream text, data jsonb, at timestamptz)", connection))
            await create.ExecuteNonQueryAsync();
        var json = "{\"text\":\"" + new string('x', 1000) + "\"}";
        var watch = Stopwatch.StartNew();
        await using (var writer = await connection.BeginBinaryImportAsync($"copy {table} (id, stream, data, at) from stdin (format binary)"))
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < rows; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync((long)i, NpgsqlDbType.Bigint);
                await writer.WriteAsync("stream-" + i, NpgsqlDbType.Text);
                await writer.WriteAsync(json, NpgsqlDbType.Jsonb);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await writer.CompleteAsync();
        }
        var rate = rows / watch.Elapsed.TotalSeconds;
        await using (var drop = new NpgsqlCommand($"drop table {table}", connection)) await drop.ExecuteNonQueryAsync();
        return rate;
    }
}
